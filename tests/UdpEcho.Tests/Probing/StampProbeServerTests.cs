using System.Collections.Concurrent;
using System.Net;
using UdpEcho.Stamp;
using UdpEcho.Tests.Infrastructure;
using static UdpEcho.Tests.Probing.StampProbeTesting;

namespace UdpEcho.Tests.Probing;

/// <summary>A STAMP probe against the project's own reflector (<see cref="UdpEchoServerOptions.StampMode"/>), on each engine.</summary>
public abstract class StampProbeServerTests(UdpEchoServerEngine engine)
{
    /// <summary>T1 and T4 are this process's readings of the host clock, T2 and T3 the server's (the kernel's, on the batched engine).</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromMicroseconds(-2);

    [Theory(Timeout = TestTimeouts.Long)]
    [InlineData(UdpEchoStampMode.Stateful)]
    [InlineData(UdpEchoStampMode.Stateless)]
    public async Task ProbeAsync_ServerReflector_MeasuresEveryDelayOnTheOneHostClock(UdpEchoStampMode mode)
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, Address = IPAddress.Loopback, StampMode = mode });
        await using var client = ClientOf(server.Target());
        var events = new ConcurrentQueue<UdpEchoProbeProgress>();

        var result = await client.ProbeAsync(Paced(mode, count: 20, size: 100), Recorder(events)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(20, result.Received);
        var stamp = result.Stamp!;
        Assert.Equal(mode, stamp.Mode);
        Assert.Equal((0L, 0L, 0L), (stamp.ForwardLost, stamp.BackwardLost, stamp.UnattributedLost));

        // The batched engine reads the test packet's TTL from the kernel: 64 on a Linux loopback. The portable one cannot: 255.
        var ttl = engine == UdpEchoServerEngine.Batched ? 64 : 255;
        Assert.Equal((ttl, ttl, ttl), (stamp.ReflectorTtl, stamp.MinReflectorTtl, stamp.MaxReflectorTtl));
        Assert.Equal(ClockSync.Read().IsSynchronized, stamp.ClocksSynchronized);

        var answered = Answered(events);
        Assert.Equal(Enumerable.Range(0, 20).Select(s => (long)s), answered.Select(e => e.Sequence));
        foreach (var e in answered)
        {
            // Nothing lost: stateful or not, the reply's sequence is the probe's.
            var reply = e.Stamp!.Value;
            Assert.Equal((uint)e.Sequence, reply.ReflectorSequence);
            Assert.True(reply.ForwardDelay >= Slack, $"probe {e.Sequence}: forward {reply.ForwardDelay}");
            Assert.True(reply.BackwardDelay >= Slack, $"probe {e.Sequence}: backward {reply.BackwardDelay}");
            Assert.True(reply.ReflectorProcessing >= TimeSpan.Zero, $"probe {e.Sequence}: processing {reply.ReflectorProcessing}");
            Assert.True(reply.RoundTripWithoutProcessing >= Slack, $"probe {e.Sequence}: without processing {reply.RoundTripWithoutProcessing}");
        }
    }

    [Theory(Timeout = TestTimeouts.Long)]
    [InlineData(UdpEchoStampMode.Stateful)]
    [InlineData(UdpEchoStampMode.Stateless)]
    public async Task ProbeAsync_RunsFromOneClient_EachDefaultSsidIsAFreshSessionAndAReusedOneIsNot(UdpEchoStampMode mode)
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, Address = IPAddress.Loopback, StampMode = mode });
        await using var client = ClientOf(server.Target());

        var first = await RunAsync(client, Paced(mode, count: 10));
        var second = await RunAsync(client, Paced(mode, count: 10));
        var reused = Paced(mode, count: 10);
        reused.StampSessionId = first.Ssid;
        var third = await RunAsync(client, reused);

        Assert.NotEqual(first.Ssid, second.Ssid);
        Assert.Equal(Enumerable.Range(0, 10).Select(s => (uint)s), first.Sequences);
        Assert.Equal(Enumerable.Range(0, 10).Select(s => (uint)s), second.Sequences);

        // The first run's session again: a stateful reflector counts on from where it left off.
        Assert.Equal(Enumerable.Range(mode == UdpEchoStampMode.Stateful ? 10 : 0, 10).Select(s => (uint)s), third.Sequences);
    }

    private static async Task<(ushort Ssid, List<uint> Sequences)> RunAsync(UdpEchoClient client, UdpEchoProbeOptions options)
    {
        var events = new ConcurrentQueue<UdpEchoProbeProgress>();
        var result = await client.ProbeAsync(options, Recorder(events)).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(10, result.Received);
        return (result.Stamp!.SessionId, [.. Answered(events).Select(e => e.Stamp!.Value.ReflectorSequence)]);
    }
}

/// <summary>The tests above on the batched engine (kernel receive timestamps and TTL).</summary>
public sealed class StampProbeServerTestsOnBatchedEngine() : StampProbeServerTests(UdpEchoServerEngine.Batched);

/// <summary>The tests above on the portable engine.</summary>
public sealed class StampProbeServerTestsOnPortableEngine() : StampProbeServerTests(UdpEchoServerEngine.Portable);
