using System.Collections.Concurrent;
using UdpEcho.Tests.Stamp;
using static UdpEcho.Tests.Probing.StampProbeTesting;

namespace UdpEcho.Tests.Probing;

/// <summary>
/// The check, through the public API: a reflector written from RFC 8762 alone holds each test packet 3 ms
/// between T2 and T3, ignores every 7th test packet and drops every 11th reply. The probe must report the hold as the
/// reflector's processing, take it out of the network's round trip, and split the loss exactly.
/// </summary>
/// <remarks>Alone, not beside the CPU-heavy tests of other classes: the round trip without the hold is timed.</remarks>
[Collection(TimingCollection.Name)]
public sealed class StampProbeTruthTests
{
    /// <summary>T1, T2, T3 and T4 are read from one host's realtime clock by two programs: each delay is at least this.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromMicroseconds(-1);

    private static readonly TimeSpan Hold = TimeSpan.FromMilliseconds(3);

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task ProbeAsync_ReflectorHolding3msIgnoringEvery7thDroppingEvery11th_ReportsHoldAndSplitExactly()
    {
        using var reflector = new MinimalStampReflector { Stateful = true, Hold = Hold, IgnoreEvery = 7, DropEvery = 11, Ttl = 64 }.Start();
        await using var client = ClientOf(reflector.EndPoint);
        var events = new ConcurrentQueue<UdpEchoProbeProgress>();

        var result = await client.ProbeAsync(Paced(UdpEchoStampMode.Stateful, count: 100), Recorder(events)).WaitAsync(TimeSpan.FromSeconds(30));

        // Of 100: 14 ignored on the way out; of the 86 replies, 7 dropped on the way back; the last probe is answered.
        Assert.Equal((100, 79, 21), (result.Sent, result.Received, result.Lost));
        var stamp = result.Stamp!;
        Assert.Equal((14L, 7L, 0L), (stamp.ForwardLost, stamp.BackwardLost, stamp.UnattributedLost));
        Assert.Equal((64, 64, 64), (stamp.ReflectorTtl, stamp.MinReflectorTtl, stamp.MaxReflectorTtl));

        // The hold is the reflector's processing, and is in the round trip the application saw, not in the network's.
        var figures = $"processing {stamp.ReflectorProcessing}; without processing {stamp.RoundTripWithoutProcessing}; rtt {result.RoundTrip}";
        Assert.True(stamp.ReflectorProcessing.Min >= Hold, figures);
        Assert.True(stamp.ReflectorProcessing.P50 < Hold + TimeSpan.FromMilliseconds(2), figures);
        Assert.True(result.RoundTrip.P50 >= Hold, figures);
        Assert.True(stamp.RoundTripWithoutProcessing.P50 < Hold, figures);
        Assert.True(stamp.RoundTripWithoutProcessing.Min >= Slack, figures);
        Assert.True(stamp.ForwardDelay.Min >= Slack && stamp.BackwardDelay.Min >= Slack, $"forward {stamp.ForwardDelay}; backward {stamp.BackwardDelay}");
        Assert.Equal(79, stamp.ForwardDelay.Count);

        // Each answer: T2 - T1, T3 - T2 and T4 - T3 add up to the round trip it reports (T4 - T1), to the 0.1 µs each is
        // rounded to; and the reflector's count runs on from 0 over the replies it sent.
        var answered = Answered(events);
        Assert.Equal(79, answered.Count);
        foreach (var e in answered)
        {
            var reply = e.Stamp!.Value;
            var sum = reply.ForwardDelay + reply.ReflectorProcessing + reply.BackwardDelay;
            Assert.InRange((sum - e.RoundTripTime).Duration(), TimeSpan.Zero, TimeSpan.FromMicroseconds(0.5));
            Assert.InRange((e.RoundTripTime - reply.ReflectorProcessing - reply.RoundTripWithoutProcessing).Duration(), TimeSpan.Zero, TimeSpan.FromMicroseconds(0.5));
        }

        Assert.Equal(Enumerable.Range(0, 86).Where(count => (count + 1) % 11 != 0).Select(c => (uint)c), answered.Select(e => e.Stamp!.Value.ReflectorSequence));
    }
}
