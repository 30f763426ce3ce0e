using System.Numerics;

namespace UdpEcho.Probing;

/// <summary>
/// A histogram of non-negative integer values (nanoseconds here) with HdrHistogram's bucket layout at three
/// significant decimal digits: percentiles come from counts in buckets of bounded relative width, never from sorting
/// the samples, and recording is one array increment.
/// </summary>
/// <remarks>
/// <para>
/// Values 0 to 2047 each have a bucket of their own. Above that, every range [2^k, 2^(k+1)) is split into 1024 equal
/// buckets, so a bucket is never wider than 1/1024 of the values in it: a value read back from the histogram is within
/// 0.098% of the recorded one (HdrHistogram with <c>numberOfSignificantValueDigits = 3</c> and a lowest discernible
/// value of 1 has exactly these buckets; the tests check that bucket for bucket against the HdrHistogram package).
/// </para>
/// <para>
/// Memory is (buckets + 1) x 1024 counters: 172 KB for values up to one second, 270 KB up to one hour. Not thread-safe.
/// </para>
/// </remarks>
internal sealed class LatencyHistogram
{
    private const int SubBucketHalfCountMagnitude = 10;
    private const int SubBucketHalfCount = 1 << SubBucketHalfCountMagnitude;
    private const int SubBucketCount = 2 * SubBucketHalfCount;
    private const long SubBucketMask = SubBucketCount - 1;

    // 64 - unit magnitude (0) - half count magnitude - 1: maps a value's leading zeros to its power-of-two bucket.
    private const int LeadingZeroCountBase = 64 - SubBucketHalfCountMagnitude - 1;

    private readonly long[] _counts;

    public LatencyHistogram(long highestTrackableValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(highestTrackableValue, 2L);
        HighestTrackableValue = highestTrackableValue;
        BucketCount = BucketsNeeded(highestTrackableValue);
        _counts = new long[(BucketCount + 1) * SubBucketHalfCount];
    }

    /// <summary>Gets the number of power-of-two buckets, as HdrHistogram counts them (its <c>BucketCount</c>).</summary>
    public int BucketCount { get; }

    /// <summary>Gets the largest value recorded as itself; larger ones are recorded as this.</summary>
    public long HighestTrackableValue { get; }

    public long TotalCount { get; private set; }

    /// <summary>Gets the smallest value recorded, exactly.</summary>
    public long Min { get; private set; } = long.MaxValue;

    /// <summary>Gets the largest value recorded, exactly (after clamping to <see cref="HighestTrackableValue"/>).</summary>
    public long Max { get; private set; } = long.MinValue;

    /// <summary>Gets the number of counters, for tests of the memory bound.</summary>
    internal int CountersLength => _counts.Length;

    public void Record(long value)
    {
        value = Math.Clamp(value, 0, HighestTrackableValue);
        _counts[IndexOf(value)]++;
        TotalCount++;
        Min = Math.Min(Min, value);
        Max = Math.Max(Max, value);
    }

    /// <summary>Adds every value recorded in <paramref name="other"/>, which must track the same highest value.</summary>
    public void Add(LatencyHistogram other)
    {
        if (other._counts.Length != _counts.Length)
        {
            throw new ArgumentException("Histograms of different ranges cannot be added.", nameof(other));
        }

        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        TotalCount += other.TotalCount;
        Min = Math.Min(Min, other.Min);
        Max = Math.Max(Max, other.Max);
    }

    /// <summary>
    /// Returns the value at <paramref name="percentile"/> by nearest rank: the smallest recorded value such that at least
    /// <paramref name="percentile"/> percent of all values are less than or equal to it, read back as the highest value
    /// of its bucket (so never below it, and at most 0.098% above), and never outside <see cref="Min"/>..<see cref="Max"/>.
    /// Percentile 0 is <see cref="Min"/>, 100 is <see cref="Max"/>: both exact.
    /// </summary>
    /// <returns>The value, or 0 when nothing was recorded.</returns>
    public long ValueAtPercentile(double percentile)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(percentile, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentile, 100.0);
        if (TotalCount == 0)
        {
            return 0;
        }

        if (percentile == 0)
        {
            return Min;
        }

        return Math.Clamp(HighestEquivalentValue(BucketAtRank(Rank(percentile, TotalCount))), Min, Max);
    }

    /// <summary>The nearest rank of <paramref name="percentile"/> (above 0) among <paramref name="count"/> values: 1 for the smallest.</summary>
    public static long Rank(double percentile, long count)
    {
        // Decimal keeps p x n exact for the percentiles people ask for: in double, 99.9% of 1000 is 999.0000000000001,
        // whose ceiling would skip a rank.
        return Math.Max(1, (long)Math.Ceiling((decimal)percentile * count / 100m));
    }

    /// <summary>
    /// Gets the lowest value of the bucket that holds the value of rank <paramref name="rank"/> (1 for the smallest, at
    /// most <see cref="TotalCount"/>); <see cref="LowestEquivalentValue"/> and <see cref="HighestEquivalentValue"/> of it
    /// bound the recorded value.
    /// </summary>
    public long BucketAtRank(long rank)
    {
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return ValueFromIndex(i);
            }
        }

        return Max;
    }

    /// <summary>Takes the buckets that hold anything, in ascending order: what the statistics keep once the probe is over.</summary>
    public HistogramSnapshot Snapshot()
    {
        var values = new List<long>();
        var counts = new List<long>();
        for (var i = 0; i < _counts.Length; i++)
        {
            if (_counts[i] != 0)
            {
                values.Add(ValueFromIndex(i));
                counts.Add(_counts[i]);
            }
        }

        return new HistogramSnapshot([.. values], [.. counts], TotalCount, BucketCount);
    }

    /// <summary>Gets the value in the middle of <paramref name="value"/>'s bucket, which HdrHistogram's mean takes for every value in it.</summary>
    public static long MedianEquivalentValue(long value)
    {
        var lowest = LowestEquivalentValue(value);
        return lowest + ((HighestEquivalentValue(value) - lowest + 1) >> 1);
    }

    /// <summary>Gets the smallest value that shares <paramref name="value"/>'s bucket.</summary>
    public static long LowestEquivalentValue(long value)
    {
        var bucket = BucketIndex(value);
        return SubBucketIndex(value, bucket) << bucket;
    }

    /// <summary>Gets the largest value that shares <paramref name="value"/>'s bucket.</summary>
    public static long HighestEquivalentValue(long value)
    {
        var bucket = BucketIndex(value);
        var subBucket = SubBucketIndex(value, bucket);
        var width = 1L << (subBucket >= SubBucketCount ? bucket + 1 : bucket);
        return (subBucket << bucket) + width - 1;
    }

    private static int BucketsNeeded(long highestTrackableValue)
    {
        // The smallest number of power-of-two buckets whose top sub-bucket reaches past the highest value.
        long smallestUntrackable = SubBucketCount;
        var buckets = 1;
        while (smallestUntrackable <= highestTrackableValue)
        {
            if (smallestUntrackable > long.MaxValue / 2)
            {
                return buckets + 1;
            }

            smallestUntrackable <<= 1;
            buckets++;
        }

        return buckets;
    }

    private static int BucketIndex(long value) => LeadingZeroCountBase - BitOperations.LeadingZeroCount((ulong)(value | SubBucketMask));

    private static long SubBucketIndex(long value, int bucket) => value >>> bucket;

    private static int IndexOf(long value)
    {
        var bucket = BucketIndex(value);
        var subBucket = (int)SubBucketIndex(value, bucket);

        // Bucket 0 uses all 2048 sub-buckets; every later one only its upper half (its lower half is bucket - 1).
        return ((bucket + 1) << SubBucketHalfCountMagnitude) + (subBucket - SubBucketHalfCount);
    }

    private static long ValueFromIndex(int index)
    {
        var bucket = (index >> SubBucketHalfCountMagnitude) - 1;
        var subBucket = (index & (SubBucketHalfCount - 1)) + SubBucketHalfCount;
        if (bucket < 0)
        {
            subBucket -= SubBucketHalfCount;
            bucket = 0;
        }

        return (long)subBucket << bucket;
    }
}
