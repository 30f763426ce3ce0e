using UdpEcho.Probing;

namespace UdpEcho;

/// <summary>The round-trip times of a probe's answered probes, in <see cref="UdpEchoProbeResult.RoundTrip"/>, or of a benchmark's received datagrams, in <see cref="UdpEchoBenchmarkResult.RoundTrip"/>.</summary>
/// <remarks>
/// Every round trip is one datagram's own: from its send to the arrival of its first echo, both timestamped by the
/// client's <see cref="TimeProvider"/> (a benchmark's by <see cref="System.Diagnostics.Stopwatch"/>). <see cref="Min"/>, <see cref="Max"/>, <see cref="Mean"/> and
/// <see cref="StandardDeviation"/> are computed from the exact values; the percentiles come from a histogram with
/// HdrHistogram's buckets at three significant digits: by nearest rank, read back at most 0.098% above the true value,
/// never below it. All are zero when no probe was answered. <see cref="TimeSpan"/> resolves 100 ns.
/// </remarks>
public sealed class UdpEchoRoundTripStatistics
{
    private IReadOnlyList<UdpEchoRoundTripBucket>? _histogram;

    /// <summary>Gets the shortest round trip.</summary>
    public TimeSpan Min { get; init; }

    /// <summary>Gets the arithmetic mean round trip.</summary>
    public TimeSpan Mean { get; init; }

    /// <summary>Gets the population standard deviation of the round trips (what <c>ping</c> calls <c>mdev</c>).</summary>
    public TimeSpan StandardDeviation { get; init; }

    /// <summary>Gets the median: half of the round trips were no longer than this.</summary>
    public TimeSpan P50 { get; init; }

    /// <summary>Gets the 90th percentile.</summary>
    public TimeSpan P90 { get; init; }

    /// <summary>Gets the 99th percentile.</summary>
    public TimeSpan P99 { get; init; }

    /// <summary>Gets the 99.9th percentile.</summary>
    public TimeSpan P999 { get; init; }

    /// <summary>Gets the longest round trip.</summary>
    public TimeSpan Max { get; init; }

    /// <summary>Gets the number of round trips measured.</summary>
    public long Count { get; init; }

    /// <summary>
    /// Gets every round trip as a histogram: the buckets that hold any, shortest first, at HdrHistogram's resolution
    /// (three significant digits). Empty when no round trip was measured, or for statistics made by hand.
    /// </summary>
    public IReadOnlyList<UdpEchoRoundTripBucket> Histogram => _histogram ??= Distribution.Values.Select((value, i) => new UdpEchoRoundTripBucket
    {
        Lowest = FromNanoseconds(LatencyHistogram.LowestEquivalentValue(value)),
        Highest = FromNanoseconds(LatencyHistogram.HighestEquivalentValue(value)),
        Count = Distribution.Counts[i],
    }).ToArray();

    /// <summary>Gets the histogram itself, in nanoseconds.</summary>
    internal HistogramSnapshot Distribution { get; init; } = HistogramSnapshot.Empty;

    /// <summary>
    /// Writes the round trips' percentile distribution in HdrHistogram's text format (<c>.hgrm</c>, as its
    /// <c>outputPercentileDistribution</c> prints it): a <c>Value Percentile TotalCount 1/(1-Percentile)</c> table
    /// and a <c>#[Mean = ...]</c> footer, which HdrHistogram's plotter
    /// (<c>https://hdrhistogram.github.io/HdrHistogram/plotFiles.html</c>) draws. Values are in milliseconds.
    /// </summary>
    /// <param name="writer">Where to write it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="writer"/> is <see langword="null"/>.</exception>
    public void WritePercentileDistribution(TextWriter writer) => WritePercentileDistribution(writer, TimeSpan.FromMilliseconds(1));

    /// <summary>Writes the round trips' percentile distribution in HdrHistogram's text format, values in <paramref name="unit"/>s.</summary>
    /// <param name="writer">Where to write it.</param>
    /// <param name="unit">The unit of the values written, such as one millisecond (what HdrHistogram's plotter labels its axis with) or one microsecond.</param>
    /// <exception cref="ArgumentNullException"><paramref name="writer"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="unit"/> is not positive.</exception>
    public void WritePercentileDistribution(TextWriter writer, TimeSpan unit)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(unit, TimeSpan.Zero);
        Distribution.WritePercentileDistribution(writer, unit.Ticks * 100.0);
    }

    /// <summary>Gives the figures, in milliseconds: <c>min/mean/max/stddev = ... ms, p50/p90/p99/p99.9 = ... ms (n round trips)</c>.</summary>
    /// <returns>The figures on one line.</returns>
    public override string ToString() => Figures.Invariant(
        $"min/mean/max/stddev = {Figures.Ms(Min)}/{Figures.Ms(Mean)}/{Figures.Ms(Max)}/{Figures.Ms(StandardDeviation)} ms, p50/p90/p99/p99.9 = {Figures.Ms(P50)}/{Figures.Ms(P90)}/{Figures.Ms(P99)}/{Figures.Ms(P999)} ms ({Count} round trips)");

    private static TimeSpan FromNanoseconds(long nanoseconds) => TimeSpan.FromTicks((nanoseconds + 50) / 100);
}
