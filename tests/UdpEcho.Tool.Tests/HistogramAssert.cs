using System.Globalization;
using System.Text.RegularExpressions;

namespace UdpEcho.Tool.Tests;

/// <summary>What a terminal histogram of round trips must be: a title, then rows of rising, log-spaced ranges whose counts add up, with bars as long as their counts say.</summary>
internal static partial class HistogramAssert
{
    public static void Drawn(IReadOnlyList<string> lines, long total)
    {
        Assert.Equal("rtt histogram (ms, log scale):", lines[0]);
        var rows = lines.Skip(1).Select(l => Row().Match(l)).ToList();
        Assert.All(rows, r => Assert.True(r.Success, r.Value));
        Assert.True(rows.Count >= 5, $"only {rows.Count} rows");
        var lows = rows.Select(r => double.Parse(r.Groups["low"].Value, CultureInfo.InvariantCulture)).ToList();
        var highs = rows.Select(r => double.Parse(r.Groups["high"].Value, CultureInfo.InvariantCulture)).ToList();
        var counts = rows.Select(r => long.Parse(r.Groups["count"].Value, CultureInfo.InvariantCulture)).ToList();
        var bars = rows.Select(r => r.Groups["bar"].Value.TrimEnd().Length).ToList();
        Assert.Equal(total, counts.Sum());
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.True(highs[i] > lows[i]);
            Assert.Equal(counts[i] > 0, bars[i] > 0);
            if (i > 0)
            {
                Assert.Equal(highs[i - 1], lows[i]);
            }
        }

        // Log-scaled: each row is as many times wider than the one before (to the rounding of the labels).
        Assert.InRange(highs[^1] / lows[^1], (highs[0] / lows[0]) * 0.8, (highs[0] / lows[0]) * 1.25);

        // The longest bar belongs to the biggest count, and bars grow with their counts.
        var most = counts.IndexOf(counts.Max());
        Assert.Equal(bars.Max(), bars[most]);
        for (var i = 0; i < rows.Count; i++)
        {
            for (var j = 0; j < rows.Count; j++)
            {
                Assert.True(counts[i] <= counts[j] || bars[i] >= bars[j], $"row {i} counts more than row {j} but has the shorter bar");
            }
        }
    }

    [GeneratedRegex(@"^  +(?<low>\d+\.\d+) - +(?<high>\d+\.\d+) \|(?<bar>#* *) (?<count>\d+)$")]
    private static partial Regex Row();
}
