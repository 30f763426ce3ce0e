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
}
