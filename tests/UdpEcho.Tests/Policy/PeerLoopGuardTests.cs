using System.Text;
using Microsoft.Extensions.Time.Testing;
using UdpEcho.Policy;

namespace UdpEcho.Tests.Policy;

/// <summary>The peer loop guard: a source that keeps bouncing back exactly what it was sent is muted; nothing else is.</summary>
public sealed class PeerLoopGuardTests
{
    private static readonly UInt128 Peer = (UInt128)0x0A000001;

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Allow_SameBytesBouncingBack_MutedAtTheThreshold()
    {
        var time = new FakeTimeProvider();
        var guard = new PeerLoopGuard(16, time.TimestampFrequency);
        var payload = "forged"u8.ToArray();

        var allowed = 0;
        while (guard.Allow(Peer, 7007, payload, time.GetTimestamp()))
        {
            allowed++;
            time.Advance(TimeSpan.FromMicroseconds(50)); // one bounce through the other server
            Assert.True(allowed < 100, "a loop was not cut within 100 bounces");
        }

        Assert.Equal(PeerLoopGuard.Threshold, allowed);

        // Muted for a while: even different bytes get no echo, and then the source is heard again.
        Assert.False(guard.Allow(Peer, 7007, "other"u8, time.GetTimestamp()));
        time.Advance(PeerLoopGuard.MuteTime);
        Assert.True(guard.Allow(Peer, 7007, payload, time.GetTimestamp()));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Allow_DistinctPayloadsBackToBack_NeverMuted()
    {
        // What udpecho ping and bench send: every datagram carries its own sequence number and timestamp.
        var time = new FakeTimeProvider();
        var guard = new PeerLoopGuard(16, time.TimestampFrequency);

        for (var i = 0; i < 10_000; i++)
        {
            Assert.True(guard.Allow(Peer, 40000, Encoding.ASCII.GetBytes($"probe {i}"), time.GetTimestamp()));
            time.Advance(TimeSpan.FromMicroseconds(20));
        }

        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Allow_SameLineTwiceAndRetries_NeverMuted()
    {
        // The seed's client sending one line twice; a client retrying one payload after each of a few timeouts.
        var time = new FakeTimeProvider();
        var guard = new PeerLoopGuard(16, time.TimestampFrequency);
        var line = "hello\n"u8.ToArray();

        Assert.True(guard.Allow(Peer, 40000, line, time.GetTimestamp()));
        time.Advance(TimeSpan.FromSeconds(0.3));
        Assert.True(guard.Allow(Peer, 40000, line, time.GetTimestamp()));
        for (var retry = 0; retry < 5; retry++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            Assert.True(guard.Allow(Peer, 40001, line, time.GetTimestamp()));
        }

        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Allow_TwoClientsBehindOneAddress_AreSeparateSources()
    {
        var time = new FakeTimeProvider();
        var guard = new PeerLoopGuard(16, time.TimestampFrequency);
        var payload = "same"u8.ToArray();

        // Each of two ports is one short of the threshold: together they pass it, apart they never do.
        for (var i = 0; i < PeerLoopGuard.Threshold; i++)
        {
            Assert.True(guard.Allow(Peer, 40000, payload, time.GetTimestamp()));
            Assert.True(guard.Allow(Peer, 40001, payload, time.GetTimestamp()));
            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.False(guard.Allow(Peer, 40000, payload, time.GetTimestamp()));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Allow_SlowRepeats_AreNotBounces()
    {
        // A monitor that sends the same bytes every two seconds is not an echo coming straight back.
        var time = new FakeTimeProvider();
        var guard = new PeerLoopGuard(16, time.TimestampFrequency);

        for (var i = 0; i < 100; i++)
        {
            Assert.True(guard.Allow(Peer, 40000, "status?"u8, time.GetTimestamp()));
            time.Advance(TimeSpan.FromSeconds(2));
        }

        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Allow_ManySources_TableStaysBounded()
    {
        var time = new FakeTimeProvider();
        var guard = new PeerLoopGuard(100, time.TimestampFrequency);

        for (var i = 0; i < 10_000; i++)
        {
            Assert.True(guard.Allow((UInt128)i, 40000, "x"u8, time.GetTimestamp()));
        }

        Assert.Equal(100, guard.Count);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Fingerprint_DiffersForOneChangedByteAnywhere()
    {
        var data = new byte[1000];
        Random.Shared.NextBytes(data);
        var original = Fingerprint.Of(data);

        foreach (var index in new[] { 0, 7, 31, 32, 500, 990, 999 })
        {
            var changed = (byte[])data.Clone();
            changed[index] ^= 1;
            Assert.NotEqual(original, Fingerprint.Of(changed));
        }

        Assert.NotEqual(Fingerprint.Of(data.AsSpan(0, 999)), Fingerprint.Of(data));
        Assert.Equal(original, Fingerprint.Of((byte[])data.Clone()));
        await Task.CompletedTask;
    }
}
