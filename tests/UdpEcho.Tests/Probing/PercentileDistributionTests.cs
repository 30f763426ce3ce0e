using System.Globalization;
using HdrHistogram;
using UdpEcho.Probing;

namespace UdpEcho.Tests.Probing;

/// <summary>
/// <c>--hgrm</c> files are HdrHistogram's percentile-distribution format: for the same values, what UdpEcho writes is
/// character for character what the HdrHistogram package's <c>OutputPercentileDistribution</c> prints.
/// </summary>
public sealed class PercentileDistributionTests
{
    private const long Highest = 60_000_000_000; // a minute, in nanoseconds

    public static TheoryData<string, int> Distributions => new()
    {
        { "uniform", 100_000 },
        { "exponential", 10_000 },
        { "lognormal", 1000 },
        { "bimodal", 100 },
        { "constant", 7 },
        { "tiny", 3 },
        { "exponential", 1 },
    };

    [Theory(Timeout = TestTimeouts.Short)]
    [MemberData(nameof(Distributions))]
    public async Task WritePercentileDistribution_IsWhatHdrHistogramPrints(string distribution, int count)
    {
        var values = LatencyHistogramTests.Sample(distribution, count, seed: 11);
        var ours = new LatencyHistogram(Highest);
        var reference = new LongHistogram(1, Highest, 3);
        foreach (var value in values)
        {
            ours.Record(value);
            reference.RecordValue(value);
        }

        using var written = new StringWriter(CultureInfo.InvariantCulture);
        ours.Snapshot().WritePercentileDistribution(written, scale: 1_000_000);

        Assert.Equal(ReferenceOutput(reference), written.ToString());
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task WritePercentileDistribution_FromAProbesStatistics_HasTheTableAndTheFooterInMilliseconds()
    {
        var time = new Client.SignallingTimeProvider();
        using var peer = new Client.ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, TimeProvider = time });

        var probe = client.ProbeAsync(new UdpEchoProbeOptions { Count = 4 });
        foreach (var milliseconds in new[] { 1, 2, 3, 10 })
        {
            var (datagram, from) = await peer.ReceiveAsync();
            time.Advance(TimeSpan.FromMilliseconds(milliseconds));
            await peer.SendAsync(datagram, from);
        }

        var result = await probe.WaitAsync(TestTimeouts.Await);
        using var written = new StringWriter(CultureInfo.InvariantCulture);
        result.RoundTrip.WritePercentileDistribution(written);
        var lines = written.ToString().Split('\n');

        Assert.Equal("       Value     Percentile TotalCount 1/(1-Percentile)", lines[0]);
        Assert.Equal(string.Empty, lines[1]);
        Assert.Equal("       1.000 0.000000000000          1           1.00", lines[2]);
        Assert.Contains("       2.001 0.500000000000          2           2.00", lines); // 2 ms, read back as the top of its bucket
        Assert.Equal("      10.002 1.000000000000          4", lines[^5]);
        Assert.Equal("#[Mean    =        4.000, StdDeviation   =        3.535]", lines[^4]);
        Assert.Equal("#[Max     =       10.002, Total count    =            4]", lines[^3]);
        Assert.Equal(4, result.RoundTrip.Count);
        Assert.Equal([1, 1, 1, 1], result.RoundTrip.Histogram.Select(b => b.Count));
        Assert.InRange(TimeSpan.FromMilliseconds(10), result.RoundTrip.Histogram[^1].Lowest, result.RoundTrip.Histogram[^1].Highest);
    }

    /// <summary>The package prints in the current culture: pin it, as our writer always does.</summary>
    private static string ReferenceOutput(HistogramBase histogram)
    {
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        try
        {
            using var written = new StringWriter(CultureInfo.InvariantCulture);
            histogram.OutputPercentileDistribution(written, percentileTicksPerHalfDistance: 5, outputValueUnitScalingRatio: 1_000_000);
            return written.ToString();
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }
}
