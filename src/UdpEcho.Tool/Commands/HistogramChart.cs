using System.Globalization;

namespace UdpEcho.Tool.Commands;

/// <summary>
/// The round trips drawn as a terminal histogram: rows of log-scaled width from the shortest round trip to the longest,
/// each with its range, a bar proportional to its count, and the count.
/// </summary>
/// <remarks>
/// Log-scaled because round trips are: a loopback median of 15 µs and a 2 ms tail drawn on a linear scale would put
/// everything but the tail in one row.
/// </remarks>
internal static class HistogramChart
{
    /// <summary>How many rows a chart has: enough to see a shape, few enough to read at a glance.</summary>
    public const int Rows = 12;

    private const int BarWidth = 40;

    public static IEnumerable<string> Draw(UdpEchoRoundTripStatistics roundTrips)
    {
        var buckets = roundTrips.Histogram;
        if (buckets.Count == 0)
        {
            yield break;
        }

        // The span drawn, in microseconds: at least a tenth either way of a single value, so that it has rows to fill.
        var low = Math.Max(0.1, buckets[0].Lowest.TotalMicroseconds);
        var high = Math.Max(low, buckets[^1].Highest.TotalMicroseconds);
        if (high < low * 1.2)
        {
            (low, high) = (low / 1.1, high * 1.1);
        }

        var edges = new double[Rows + 1];
        for (var row = 0; row <= Rows; row++)
        {
            edges[row] = low * Math.Pow(high / low, (double)row / Rows);
        }

        var counts = new long[Rows];
        foreach (var bucket in buckets)
        {
            // A bucket goes in the row its middle falls in.
            var middle = (bucket.Lowest.TotalMicroseconds + bucket.Highest.TotalMicroseconds) / 2;
            var row = (int)Math.Floor(Math.Log(Math.Max(middle, low) / low) / Math.Log(high / low) * Rows);
            counts[Math.Clamp(row, 0, Rows - 1)] += bucket.Count;
        }

        var most = counts.Max();
        var decimals = DecimalsToTellApart(edges);
        var labels = edges.Select(e => (e / 1000).ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)).ToArray();
        var width = labels.Max(l => l.Length);
        yield return "rtt histogram (ms, log scale):";
        for (var row = 0; row < Rows; row++)
        {
            var bar = counts[row] == 0 ? 0 : Math.Max(1, (int)Math.Round((double)BarWidth * counts[row] / most));
            yield return string.Create(
                CultureInfo.InvariantCulture,
                $"  {labels[row].PadLeft(width)} - {labels[row + 1].PadLeft(width)} |{new string('#', bar).PadRight(BarWidth)} {counts[row]}");
        }
    }

    /// <summary>The fewest decimals of a millisecond (3 to 6) at which neighbouring edges print differently.</summary>
    private static int DecimalsToTellApart(double[] microseconds)
    {
        for (var decimals = 3; decimals < 6; decimals++)
        {
            var scale = Math.Pow(10, decimals);
            var distinct = true;
            for (var i = 1; i < microseconds.Length && distinct; i++)
            {
                distinct = Math.Round(microseconds[i] / 1000 * scale) != Math.Round(microseconds[i - 1] / 1000 * scale);
            }

            if (distinct)
            {
                return decimals;
            }
        }

        return 6;
    }
}
