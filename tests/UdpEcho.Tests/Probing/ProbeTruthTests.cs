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
/// Tolerances: a round trip cannot be shorter than the server's hold (the hold starts after the probe was stamped and
/// ends before the echo is), so the lower bound is exact. Above it come loopback and scheduling: about 0.1 ms on an
/// idle machine, occasionally milliseconds on a shared two-core one running builds; the median of dozens of probes
/// shrugs those off, so 2 ms above the delay is tight and still honest. The tests run alone, not beside the CPU-heavy
/// tests of the other classes.
/// </remarks>
[Collection(TimingCollection.Name)]
public sealed class ProbeTruthTests
{
    private static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(2);

    [Theory(Timeout = TestTimeouts.Long)]
    [InlineData(AddressFamily.InterNetwork)]
    [InlineData(AddressFamily.InterNetworkV6)]
    public async Task ProbeAsync_EveryEchoHeld20ms_MedianIsTheDelay(AddressFamily family)
    {
        using var server = new ImpairedEchoServer(family, delay: _ => Delay);
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.EndPoint });

        var result = await client.ProbeAsync(new UdpEchoProbeOptions { Count = 50, Window = 5, WarmUp = 5 }).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(50, result.Sent);
        Assert.Equal(50, result.Received);
        Assert.Equal(0, result.LossPercent);
        Assert.True(result.RoundTrip.Min >= Delay, $"min {result.RoundTrip.Min.TotalMilliseconds} ms is below the server's hold");
        Assert.InRange(result.RoundTrip.P50, Delay, Delay + Slack);
        Assert.InRange(result.RoundTrip.Mean, Delay, Delay + Slack + Slack);
        Assert.True(result.Jitter < Slack, $"jitter {result.Jitter.TotalMilliseconds} ms for a constant delay");
        Assert.Equal(server.EndPoint, result.RemoteEndPoint);
        Assert.Equal(55, server.Received);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task ProbeAsync_OneEighthHeld50msTheRest10ms_PercentilesSeparateWhatTheMeanBlurs()
    {
        var shortDelay = TimeSpan.FromMilliseconds(10);
        var longDelay = TimeSpan.FromMilliseconds(50);
        using var server = new ImpairedEchoServer(delay: i => i % 8 == 0 ? longDelay : shortDelay);
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.EndPoint });

        var result = await client.ProbeAsync(new UdpEchoProbeOptions { Count = 80, Window = 4 }).WaitAsync(TimeSpan.FromSeconds(30));

        // 70 round trips of ~10 ms and 10 of ~50 ms: the 40th smallest (p50) is near the middle of the short ones, the
        // 72nd (p90) the second of the long ones; the mean, 15 ms, is neither.
        Assert.Equal(80, result.Received);
        Assert.InRange(result.RoundTrip.P50, shortDelay, shortDelay + Slack);
        Assert.InRange(result.RoundTrip.P90, longDelay, longDelay + Slack);
        Assert.InRange(result.RoundTrip.Mean, TimeSpan.FromMilliseconds(15), TimeSpan.FromMilliseconds(15) + Slack + Slack);

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
    public async Task ProbeAsync_ServerKeeping511Bytes_LargerProbesComeBackCorruptAndCountAsLost()
    {
        // What the original C echo server does: recvfrom(sock, buff, 511, ...).
        using var server = new ImpairedEchoServer(truncateTo: 511);
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.EndPoint });

        var fits = await client.ProbeAsync(new UdpEchoProbeOptions { Count = 5, Size = 511 }).WaitAsync(TimeSpan.FromSeconds(10));
        var cut = await client.ProbeAsync(new UdpEchoProbeOptions { Count = 5, Size = 512, Window = 5, Timeout = TimeSpan.FromMilliseconds(300) }).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(5, fits.Received);
        Assert.Equal(0, cut.Received);
        Assert.Equal(5, cut.Corrupt);
        Assert.Equal(100, cut.LossPercent);
        Assert.Equal(5, client.GetStatistics().Corrupt);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task ProbeAsync_Rate200PerSecond_AchievesIt()
    {
        await using var server = new UdpEchoServer(new UdpEchoServerOptions());
        await server.StartAsync();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.LocalEndPoint });

        var result = await client.ProbeAsync(new UdpEchoProbeOptions { Count = 41, Rate = 200 }).WaitAsync(TimeSpan.FromSeconds(10));

        // Probe k goes out no earlier than k x 5 ms after the first: the rate can only fall short, by the lateness of the
        // last send.
        Assert.Equal(41, result.Received);
        Assert.InRange(result.AchievedRate, 180, 200.001);
        Assert.InRange(result.Duration, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(225));
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ProbeAsync_NothingListens_FailsFast()
    {
        IPEndPoint closed;
        using (var probe = new ImpairedEchoServer())
        {
            closed = probe.EndPoint;
        }

        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = closed });

        var error = await Assert.ThrowsAsync<UdpEchoException>(() => client.ProbeAsync(new UdpEchoProbeOptions { Count = 5, Timeout = TimeSpan.FromSeconds(30) }));

        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
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
}
