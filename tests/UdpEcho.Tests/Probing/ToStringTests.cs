using System.Globalization;
using System.Net;

namespace UdpEcho.Tests.Probing;

/// <summary>Statistics and results print their figures, in any culture, not their type name.</summary>
public sealed class ToStringTests
{
    private static readonly UdpEchoRoundTripStatistics RoundTrip = new()
    {
        Min = TimeSpan.FromMicroseconds(12),
        Mean = TimeSpan.FromMicroseconds(15.5),
        Max = TimeSpan.FromMilliseconds(1.25),
        StandardDeviation = TimeSpan.FromMicroseconds(3),
        P50 = TimeSpan.FromMicroseconds(14),
        P90 = TimeSpan.FromMicroseconds(20),
        P99 = TimeSpan.FromMicroseconds(80),
        P999 = TimeSpan.FromMilliseconds(1.25),
        Count = 1000,
    };

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task RoundTripStatistics_GivesTheFiguresInMilliseconds()
    {
        Assert.Equal(
            "min/mean/max/stddev = 0.012/0.016/1.250/0.003 ms, p50/p90/p99/p99.9 = 0.014/0.020/0.080/1.250 ms (1000 round trips)",
            InGerman(() => RoundTrip.ToString()));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ProbeResult_GivesCountsLossRoundTripsJitterAndRate()
    {
        var result = new UdpEchoProbeResult
        {
            RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, 7),
            Sent = 1000,
            Received = 990,
            Duplicates = 1,
            Reordered = 2,
            Late = 3,
            Corrupt = 4,
            Truncated = 5,
            Unreachable = 2,
            RoundTrip = RoundTrip,
            Jitter = TimeSpan.FromMicroseconds(2),
            Duration = TimeSpan.FromSeconds(0.999),
            AchievedRate = 1000,
        };

        Assert.Equal(
            $"127.0.0.1:7: 1000 sent, 990 received, 1% loss, 1 duplicates, 2 reordered, 3 late, 4 corrupt, 5 truncated, 2 unreachable; rtt {RoundTrip.ToString()}; jitter 0.002 ms; 1000 probes/s over 0.999 s",
            InGerman(() => result.ToString()));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StampResult_GivesDelaysEachWayProcessingLossSplitAndTtl_AndTheProbeResultEndsWithIt()
    {
        var stamp = new UdpEchoStampResult
        {
            Mode = UdpEchoStampMode.Stateful,
            SessionId = 4660,
            ForwardDelay = RoundTrip,
            BackwardDelay = RoundTrip,
            ReflectorProcessing = RoundTrip,
            RoundTripWithoutProcessing = RoundTrip,
            ForwardLost = 14,
            BackwardLost = 7,
            UnattributedLost = 1,
            ReflectorTtl = 61,
            MinReflectorTtl = 60,
            MaxReflectorTtl = 62,
        };
        var probe = new UdpEchoProbeResult { RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, 862), Stamp = stamp };

        var text = InGerman(() => stamp.ToString());

        Assert.Equal(
            $"STAMP Stateful SSID 4660: forward {RoundTrip}; backward {RoundTrip}; clocks not synchronized (forward and backward include their offset); reflector processing {RoundTrip}; without processing {RoundTrip}; lost 14 forward, 7 backward, 1 unattributed; reflector TTL 61 (60..62)",
            text);
        Assert.EndsWith("; " + text, InGerman(() => probe.ToString()), StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task BenchmarkResult_GivesCountsRateAndRoundTrips()
    {
        var result = new UdpEchoBenchmarkResult
        {
            RemoteEndPoint = new IPEndPoint(IPAddress.IPv6Loopback, 7007),
            Sent = 200,
            Received = 150,
            Corrupt = 1,
            Truncated = 49,
            Unmatched = 0,
            Elapsed = TimeSpan.FromSeconds(2),
            EchoesPerSecond = 75,
            RoundTrip = RoundTrip,
        };

        Assert.Equal(
            $"[::1]:7007: 200 sent, 150 received, 25% loss, 1 corrupt, 49 truncated, 0 unmatched; 75.0 echoes/s in 2.000 s; rtt {RoundTrip.ToString()}",
            InGerman(() => result.ToString()));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ClientStatistics_NamesEveryCounter()
    {
        var statistics = new UdpEchoClientStatistics { DatagramsSent = 10, DatagramsReceived = 9, Echoes = 8, Timeouts = 1, Retries = 2, Unmatched = 1, Truncated = 1 };

        Assert.Equal("10 sent, 9 received, 8 echoes, 1 timeouts, 2 retries, 1 unmatched (0 late, 0 duplicates, 0 corrupt, 0 foreign, 1 truncated)", statistics.ToString());
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Reply_GivesLengthSenderRoundTripAndAttempts()
    {
        var reply = new UdpEchoReply(new byte[11], TimeSpan.FromMicroseconds(42), new IPEndPoint(IPAddress.Loopback, 7), 2);

        Assert.Equal("11 bytes from 127.0.0.1:7 in 0.042 ms, 2 attempt(s)", InGerman(() => reply.ToString()));
        await Task.CompletedTask;
    }

    /// <summary>A culture with a decimal comma: the figures must not change with it.</summary>
    private static string InGerman(Func<string> format)
    {
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
        try
        {
            return format();
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }
}
