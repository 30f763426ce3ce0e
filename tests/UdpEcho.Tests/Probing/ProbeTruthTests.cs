using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace UdpEcho.Tests.Probing;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "Timing";
}

/// <summary>
/// The numbers against loopback servers whose behaviour is known: a reported median must be the delay the server
/// imposed, a reported loss the fraction it dropped.
/// </summary>
/// <remarks>
/// <para>
/// Ground truth: the server records how long it really held each datagram, on the same clock as the client. A round
/// trip cannot be shorter than that hold (the hold starts after the probe was stamped and ends before its echo is), so
/// every probe is checked against it exactly. On an idle machine the real hold is the nominal delay to within tens of
/// microseconds; on a shared two-core machine running builds, the server's own wake-ups are late by milliseconds, and
/// the real hold is what the client must report.
/// </para>
/// <para>
/// Above the hold comes the path's own round trip: loopback and scheduling. Each test first measures that path's median
/// with no hold, on the same machinery, and allows the real hold's percentile plus that baseline plus 5 ms: the time the
/// client's receive thread may wait for a core when another process hogs one (measured up to ~3 ms on a shared two-core
/// machine). Idle, that puts a 20 ms median within [20, ~25] ms, which still catches a stamp taken at the wrong moment (a
/// probe timed from before its window slot opened is late by a whole delay). The tests run alone, not beside the
/// CPU-heavy tests of the other classes.
/// </para>
/// </remarks>
[Collection(TimingCollection.Name)]
public sealed class ProbeTruthTests
{
    private static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan WakeUpSlack = TimeSpan.FromMilliseconds(5);

    // Where these servers lose nothing, a generous probe timeout keeps a starved machine (one echo seconds late) from
    // turning a test about medians into a test about loss; it costs nothing when every echo comes back.
    private static readonly TimeSpan NothingIsLost = TimeSpan.FromSeconds(10);

    [Theory(Timeout = TestTimeouts.Long)]
    [InlineData(AddressFamily.InterNetwork)]
    [InlineData(AddressFamily.InterNetworkV6)]
    public async Task ProbeAsync_EveryEchoHeld20ms_MedianIsTheDelay(AddressFamily family)
    {
        var baseline = await BaselineMedianAsync(family);
        using var server = new ImpairedEchoServer(family, delay: _ => Delay);
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.EndPoint });
        var roundTrips = new ConcurrentDictionary<long, TimeSpan>();

        var result = await client.ProbeAsync(new UdpEchoProbeOptions { Count = 50, Window = 5, WarmUp = 5, Timeout = NothingIsLost }, Recorder(roundTrips)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(50, result.Sent);
        Assert.Equal(50, result.Received);
        Assert.Equal(0, result.LossPercent);
        var held = AssertNoRoundTripShorterThanItsHold(server, roundTrips);
        Assert.True(result.RoundTrip.Min >= Delay, $"min {result.RoundTrip.Min.TotalMilliseconds} ms is below the server's hold");
        Assert.InRange(result.RoundTrip.P50, Delay, Percentile(held, 50) + baseline + WakeUpSlack);
        Assert.True(result.RoundTrip.Mean >= Delay, $"mean {result.RoundTrip.Mean.TotalMilliseconds} ms is below the server's hold");

        // A constant delay varies only by the noise around it. How much noise depends on the machine's load, but the
        // jitter (a smoothed mean of differences between round trips) can never exceed their spread: a jitter taken
        // from the round trips themselves rather than their differences would be about the delay and fail here.
        Assert.True(
            result.Jitter <= result.RoundTrip.Max - result.RoundTrip.Min + TimeSpan.FromMicroseconds(1), // rounding to 100 ns
            $"jitter {result.Jitter.TotalMilliseconds} ms exceeds the spread of the round trips ({result.RoundTrip.Min.TotalMilliseconds}..{result.RoundTrip.Max.TotalMilliseconds} ms)");
        Assert.Equal(server.EndPoint, result.RemoteEndPoint);
        Assert.Equal(55, server.Received);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task ProbeAsync_OneEighthHeld50msTheRest10ms_PercentilesSeparateWhatTheMeanBlurs()
    {
        var baseline = await BaselineMedianAsync(AddressFamily.InterNetwork);
        var shortDelay = TimeSpan.FromMilliseconds(10);
        var longDelay = TimeSpan.FromMilliseconds(50);
        using var server = new ImpairedEchoServer(delay: i => i % 8 == 0 ? longDelay : shortDelay);
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.EndPoint });
        var roundTrips = new ConcurrentDictionary<long, TimeSpan>();

        var result = await client.ProbeAsync(new UdpEchoProbeOptions { Count = 80, Window = 4, Timeout = NothingIsLost }, Recorder(roundTrips)).WaitAsync(TimeSpan.FromSeconds(30));

        // 70 round trips of ~10 ms and 10 of ~50 ms: the 40th smallest (p50) is near the middle of the short ones, the
        // 72nd (p90) the second of the long ones; the mean, about 15 ms, is neither.
        Assert.Equal(80, result.Received);
        var held = AssertNoRoundTripShorterThanItsHold(server, roundTrips);
        Assert.InRange(result.RoundTrip.P50, shortDelay, Percentile(held, 50) + baseline + WakeUpSlack);
        Assert.InRange(result.RoundTrip.P90, longDelay, Percentile(held, 90) + baseline + WakeUpSlack);
        Assert.InRange(result.RoundTrip.Mean, result.RoundTrip.P50 + Slack, result.RoundTrip.P90 - Slack);

        // A short echo overtakes the long one sent just before it.
        Assert.True(result.Reordered > 0, "no reordering seen although later probes were answered first");
    }

    [Theory(Timeout = TestTimeouts.Long)]
    [InlineData(0)]
    [InlineData(4)]
    public async Task ProbeAsync_EveryFourthDatagramDropped_LossIsExactly25Percent(int warmUp)
    {
        using var server = new ImpairedEchoServer(drop: i => i % 4 == 3);
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.EndPoint });

        var result = await client.ProbeAsync(new UdpEchoProbeOptions { Count = 400, Window = 100, WarmUp = warmUp }).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(400, result.Sent);
        Assert.Equal(300, result.Received);
        Assert.Equal(100, result.Lost);
        Assert.Equal(25.0, result.LossPercent);
        Assert.Equal(0, result.Late);
        Assert.Equal(0, result.Duplicates);
        Assert.Equal(0, result.Corrupt);
        Assert.Equal(100 + (warmUp / 4), client.GetStatistics().Timeouts);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task ProbeAsync_ServerKeeping511Bytes_LargerProbesComeBackTruncatedAndAreLostAtOnce()
    {
        // What the original C echo server does: recvfrom(sock, buff, 511, ...).
        using var server = new ImpairedEchoServer(truncateTo: 511);
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.EndPoint });
        var outcomes = new ConcurrentQueue<UdpEchoProbeOutcome>();

        var fits = await client.ProbeAsync(new UdpEchoProbeOptions { Count = 5, Size = 511 }).WaitAsync(TimeSpan.FromSeconds(10));

        // A timeout of a minute: a truncated echo is no silence, so the probe must not wait for it.
        var cut = await client.ProbeAsync(new UdpEchoProbeOptions { Count = 5, Size = 512, Timeout = TimeSpan.FromMinutes(1) }, new ImmediateProgress(e => outcomes.Enqueue(e.Outcome))).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(5, fits.Received);
        Assert.Equal(0, cut.Received);
        Assert.Equal(5, cut.Truncated);
        Assert.Equal(0, cut.Corrupt);
        Assert.Equal(100, cut.LossPercent);
        Assert.Equal(Enumerable.Repeat(UdpEchoProbeOutcome.Truncated, 5), outcomes);
        Assert.Equal(5, client.GetStatistics().Truncated);
        Assert.Equal(0, client.GetStatistics().Corrupt);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task ProbeAsync_Rate200PerSecond_AchievesIt()
    {
        await using var server = new UdpEchoServer(new UdpEchoServerOptions());
        await server.StartAsync();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.LocalEndPoint });

        var result = await client.ProbeAsync(new UdpEchoProbeOptions { Count = 101, Rate = 200 }).WaitAsync(TimeSpan.FromSeconds(10));

        // Probe k goes out no earlier than k x 5 ms after the first: the rate can only fall short, by the lateness of the
        // last send (a timer tick, or a scheduler's slice on a busy machine), spread over the 500 ms.
        Assert.Equal(101, result.Received);
        Assert.InRange(result.AchievedRate, 180, 200.001);
        Assert.InRange(result.Duration, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(555));
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ProbeAsync_NothingListens_CountsEachProbeUnreachableAndGoesOnWithoutWaitingOutItsTimeout()
    {
        IPEndPoint closed;
        using (var probe = new ImpairedEchoServer())
        {
            closed = probe.EndPoint;
        }

        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = closed });
        var outcomes = new ConcurrentQueue<UdpEchoProbeOutcome>();

        var result = await client.ProbeAsync(new UdpEchoProbeOptions { Count = 5, Timeout = TimeSpan.FromMinutes(1) }, new ImmediateProgress(e => outcomes.Enqueue(e.Outcome))).WaitAsync(TestTimeouts.Await);

        Assert.Equal(5, result.Sent);
        Assert.Equal(0, result.Received);
        Assert.Equal(5, result.Unreachable);
        Assert.Equal(5, result.Lost);
        Assert.Equal(Enumerable.Repeat(UdpEchoProbeOutcome.Unreachable, 5), outcomes);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task ProbeAsync_AlongsideConcurrentCalls_EachGetsItsOwnEchoes()
    {
        await using var server = new UdpEchoServer(new UdpEchoServerOptions());
        await server.StartAsync();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.LocalEndPoint, Timeout = TimeSpan.FromSeconds(2), Retries = 2 });

        var probe = client.ProbeAsync(new UdpEchoProbeOptions { Count = 200, Window = 8 });
        var calls = Enumerable.Range(0, 8).Select(async caller =>
        {
            for (var i = 0; i < 25; i++)
            {
                var payload = BitConverter.GetBytes((caller * 1000) + i);
                var reply = await client.SendAndReceiveAsync(payload);
                Assert.Equal(payload, reply.Payload.ToArray());
            }
        });
        await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(30));
        var result = await probe.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(200, result.Received);
        var statistics = client.GetStatistics();
        Assert.Equal(0, statistics.Unmatched);
        Assert.Equal(400, statistics.Echoes);
    }

    /// <summary>The median round trip of the path itself, with no hold: what a held echo's round trip adds the hold to.</summary>
    private static async Task<TimeSpan> BaselineMedianAsync(AddressFamily family)
    {
        using var server = new ImpairedEchoServer(family);
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.EndPoint });
        var result = await client.ProbeAsync(new UdpEchoProbeOptions { Count = 50, Window = 5, WarmUp = 5, Timeout = NothingIsLost }).WaitAsync(TimeSpan.FromSeconds(30));
        return result.RoundTrip.P50;
    }

    private static IProgress<UdpEchoProbeProgress> Recorder(ConcurrentDictionary<long, TimeSpan> roundTrips) =>
        new ImmediateProgress(e =>
        {
            if (e.Outcome == UdpEchoProbeOutcome.Answered && !e.IsWarmUp)
            {
                roundTrips[e.Sequence] = e.RoundTripTime;
            }
        });

    /// <summary>Checks every answered probe against the server's real hold of it; returns the holds of those probes.</summary>
    private static List<TimeSpan> AssertNoRoundTripShorterThanItsHold(ImpairedEchoServer server, ConcurrentDictionary<long, TimeSpan> roundTrips)
    {
        var held = new List<TimeSpan>();
        foreach (var (datagram, hold) in server.Held)
        {
            var sequence = (long)BinaryPrimitives.ReadUInt64BigEndian(datagram.AsSpan(8));
            if (roundTrips.TryGetValue(sequence, out var roundTrip))
            {
                // TimeSpan rounds to 100 ns.
                Assert.True(roundTrip >= hold - TimeSpan.FromTicks(1), $"probe {sequence}: round trip {roundTrip.TotalMilliseconds} ms, but the server held it {hold.TotalMilliseconds} ms");
                held.Add(hold);
            }
        }

        Assert.Equal(roundTrips.Count, held.Count);
        return held;
    }

    /// <summary>Nearest rank, as the probe defines it.</summary>
    private static TimeSpan Percentile(List<TimeSpan> values, double percentile)
    {
        var sorted = values.Order().ToList();
        var rank = Math.Max(1, (int)Math.Ceiling((decimal)percentile * sorted.Count / 100m));
        return sorted[rank - 1];
    }

    private sealed class ImmediateProgress(Action<UdpEchoProbeProgress> report) : IProgress<UdpEchoProbeProgress>
    {
        public void Report(UdpEchoProbeProgress value) => report(value);
    }
}
