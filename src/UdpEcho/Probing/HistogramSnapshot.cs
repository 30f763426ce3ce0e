using System.Globalization;

namespace UdpEcho.Probing;

/// <summary>
/// The buckets of a finished <see cref="LatencyHistogram"/> that hold anything (values in nanoseconds), kept with the
/// statistics so that the whole distribution can be drawn or written out after the run.
/// </summary>
/// <param name="Values">The lowest value of each bucket, ascending.</param>
/// <param name="Counts">How many values each bucket holds.</param>
/// <param name="TotalCount">The number of values.</param>
/// <param name="BucketCount">The histogram's power-of-two buckets, as HdrHistogram reports them.</param>
internal sealed record HistogramSnapshot(long[] Values, long[] Counts, long TotalCount, int BucketCount)
{
    /// <summary>The sub-buckets of every power-of-two bucket at three significant digits, as HdrHistogram reports them.</summary>
    private const int SubBucketCount = 2048;

    /// <summary>HdrHistogram's default number of percentile steps per halving of the distance to 100%.</summary>
    private const int TicksPerHalfDistance = 5;

    public static HistogramSnapshot Empty { get; } = new([], [], 0, 0);

    /// <summary>
    /// Writes the percentile distribution in the text format of HdrHistogram's <c>outputPercentileDistribution</c>
    /// (<c>.hgrm</c>), row for row what that method prints for the same values (five steps per halving of the distance
    /// to 100%, three decimals), which HdrHistogram's plotter reads.
    /// </summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="scale">Nanoseconds per unit written, such as 1,000,000 for milliseconds.</param>
    public void WritePercentileDistribution(TextWriter writer, double scale)
    {
        writer.Write(Invariant($"{"Value",12} {"Percentile",14} {"TotalCount",10} {"1/(1-Percentile)",14}\n\n"));
        var sum = 0L;
        for (var i = 0; i < Values.Length; i++)
        {
            sum += Counts[i] * LatencyHistogram.MedianEquivalentValue(Values[i]);
        }

        if (TotalCount > 0)
        {
            WriteRows(writer, scale);
        }

        var mean = TotalCount == 0 ? 0 : sum * 1.0 / TotalCount;
        var squares = 0.0;
        for (var i = 0; i < Values.Length; i++)
        {
            var deviation = LatencyHistogram.MedianEquivalentValue(Values[i]) - mean;
            squares += deviation * deviation * Counts[i];
        }

        var deviationOfAll = TotalCount == 0 ? 0 : Math.Sqrt(squares / TotalCount);
        var max = Values.Length == 0 ? 0 : LatencyHistogram.HighestEquivalentValue(Values[^1]);
        writer.Write(Invariant($"#[Mean    = {mean / scale,12:F3}, StdDeviation   = {deviationOfAll / scale,12:F3}]\n"));
        writer.Write(Invariant($"#[Max     = {max / scale,12:F3}, Total count    = {TotalCount,12}]\n"));
        writer.Write(Invariant($"#[Buckets = {BucketCount,12}, SubBuckets     = {SubBucketCount,12}]\n"));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// HdrHistogram's percentile iteration: levels from 0% that close in on 100% by halves, each reported at the first
    /// bucket whose running count reaches it (a bucket may report several); once the running count is complete, one
    /// last row at 100%.
    /// </summary>
    private void WriteRows(TextWriter writer, double scale)
    {
        var level = 0.0;
        var running = 0L;
        for (var i = 0; i < Values.Length; i++)
        {
            running += Counts[i];
            while (100.0 * running / TotalCount >= level)
            {
                var value = LatencyHistogram.HighestEquivalentValue(Values[i]) / scale;
                var fraction = level / 100.0;
                writer.Write(Invariant($"{value,12:F3} {fraction,2:F12} {running,10} {1 / (1.0 - fraction),14:F2}\n"));
                var ticks = TicksPerHalfDistance * (long)Math.Pow(2, (long)(Math.Log(100.0 / (100.0 - level)) / Math.Log(2)) + 1);
                level += 100.0 / ticks;
                if (running == TotalCount)
                {
                    // Everything counted: the next step goes straight to 100%, at this same bucket.
                    writer.Write(Invariant($"{value,12:F3} {1.0,2:F12} {running,10}\n"));
                    return;
                }
            }
        }
    }
}
