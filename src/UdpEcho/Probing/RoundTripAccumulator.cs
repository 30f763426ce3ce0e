namespace UdpEcho.Probing;

/// <summary>
/// The round-trip statistics of one probe, in nanoseconds: a histogram for the percentiles, exact min and max, mean and
/// standard deviation by Welford's method (exact values, no rounding to buckets), and RFC 3550 jitter in arrival order.
/// </summary>
internal sealed class RoundTripAccumulator
{
    private readonly LatencyHistogram _histogram;
    private readonly long _frequency;
    private long _count;
    private double _mean;
    private double _sumOfSquaredDeviations;
    private double _jitter;
    private long _previous = -1;

    /// <param name="longest">The longest round trip that can be recorded: the probe's timeout.</param>
    /// <param name="timestampFrequency">Timestamp ticks per second of the probe's <see cref="TimeProvider"/>.</param>
    public RoundTripAccumulator(TimeSpan longest, long timestampFrequency)
    {
        _frequency = timestampFrequency;
        _histogram = new LatencyHistogram(Math.Max(2, longest.Ticks * 100));
    }

    public TimeSpan Jitter => FromNanoseconds(_jitter);

    /// <summary>Adds the round trip of the next probe answered, in timestamp ticks.</summary>
    public void Add(long ticks)
    {
        var nanoseconds = (long)((Int128)ticks * 1_000_000_000 / _frequency);
        _histogram.Record(nanoseconds);

        _count++;
        var delta = nanoseconds - _mean;
        _mean += delta / _count;
        _sumOfSquaredDeviations += delta * (nanoseconds - _mean);

        // RFC 3550 6.4.1: J += (|D(i-1, i)| - J) / 16, with the round trip as the transit time.
        if (_previous >= 0)
        {
            _jitter += (Math.Abs(nanoseconds - _previous) - _jitter) / 16;
        }

        _previous = nanoseconds;
    }

    public UdpEchoRoundTripStatistics Statistics() => _count == 0
        ? new UdpEchoRoundTripStatistics()
        : new UdpEchoRoundTripStatistics
        {
            Min = FromNanoseconds(_histogram.Min),
            Mean = FromNanoseconds(_mean),
            StandardDeviation = FromNanoseconds(Math.Sqrt(_sumOfSquaredDeviations / _count)),
            P50 = FromNanoseconds(_histogram.ValueAtPercentile(50)),
            P90 = FromNanoseconds(_histogram.ValueAtPercentile(90)),
            P99 = FromNanoseconds(_histogram.ValueAtPercentile(99)),
            P999 = FromNanoseconds(_histogram.ValueAtPercentile(99.9)),
            Max = FromNanoseconds(_histogram.Max),
            Count = _count,
            Distribution = _histogram.Snapshot(),
        };

    private static TimeSpan FromNanoseconds(double nanoseconds) => TimeSpan.FromTicks((long)Math.Round(nanoseconds / 100));
}
