namespace UdpEcho.Probing;

/// <summary>
/// The statistics of one measured delay, in nanoseconds: exact min, max, mean and standard deviation (Welford's method),
/// and percentiles from histograms. A delay may be negative: a one-way delay is the difference of two clocks' readings,
/// and comes out below zero when the far clock runs behind by more than the delay.
/// </summary>
/// <remarks>
/// Delays of 0 and up go into one <see cref="LatencyHistogram"/>; the magnitudes of negative ones into a second, made on
/// the first negative delay. A percentile is the nearest rank across both, read back never below the true value, as
/// <see cref="LatencyHistogram.ValueAtPercentile"/> does. The statistics carry the histogram of the distribution only
/// when no delay was negative: <see cref="UdpEchoRoundTripStatistics.Histogram"/> describes non-negative values.
/// Not thread-safe.
/// </remarks>
internal sealed class DelayAccumulator
{
    private readonly long _highest;
    private readonly LatencyHistogram _nonNegative;
    private LatencyHistogram? _negative;
    private long _count;
    private double _mean;
    private double _sumOfSquaredDeviations;
    private long _min = long.MaxValue;
    private long _max = long.MinValue;

    /// <param name="highest">The largest delay, either way, the percentiles tell apart; larger ones count as this.</param>
    public DelayAccumulator(TimeSpan highest)
    {
        _highest = Math.Max(2, highest.Ticks * 100);
        _nonNegative = new LatencyHistogram(_highest);
    }

    public long Count => _count;

    public void Add(long nanoseconds)
    {
        if (nanoseconds >= 0)
        {
            _nonNegative.Record(nanoseconds);
        }
        else
        {
            (_negative ??= new LatencyHistogram(_highest)).Record(nanoseconds == long.MinValue ? long.MaxValue : -nanoseconds);
        }

        _count++;
        _min = Math.Min(_min, nanoseconds);
        _max = Math.Max(_max, nanoseconds);
        var delta = nanoseconds - _mean;
        _mean += delta / _count;
        _sumOfSquaredDeviations += delta * (nanoseconds - _mean);
    }

    public UdpEchoRoundTripStatistics Statistics() => _count == 0
        ? new UdpEchoRoundTripStatistics()
        : new UdpEchoRoundTripStatistics
        {
            Min = FromNanoseconds(_min),
            Mean = FromNanoseconds(_mean),
            StandardDeviation = FromNanoseconds(Math.Sqrt(_sumOfSquaredDeviations / _count)),
            P50 = FromNanoseconds(Percentile(50)),
            P90 = FromNanoseconds(Percentile(90)),
            P99 = FromNanoseconds(Percentile(99)),
            P999 = FromNanoseconds(Percentile(99.9)),
            Max = FromNanoseconds(_max),
            Count = _count,
            Distribution = _negative is null ? _nonNegative.Snapshot() : HistogramSnapshot.Empty,
        };

    private long Percentile(double percentile)
    {
        var rank = LatencyHistogram.Rank(percentile, _count);
        var negatives = _negative?.TotalCount ?? 0;

        // Ascending, the negative delays come first, largest magnitude first: rank k among them is magnitude rank
        // negatives - k + 1. The lowest value of a magnitude's bucket, negated, is never below the delay.
        var value = rank <= negatives
            ? -LatencyHistogram.LowestEquivalentValue(_negative!.BucketAtRank(negatives - rank + 1))
            : LatencyHistogram.HighestEquivalentValue(_nonNegative.BucketAtRank(rank - negatives));
        return Math.Clamp(value, _min, _max);
    }

    private static TimeSpan FromNanoseconds(double nanoseconds) => TimeSpan.FromTicks((long)Math.Round(nanoseconds / 100));
}
