using System.Globalization;

namespace UdpEcho.Probing;

/// <summary>How the statistics types print their figures: invariant culture, times in milliseconds with three decimals.</summary>
internal static class Figures
{
    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    public static string Ms(TimeSpan time) => time.TotalMilliseconds.ToString("0.000", CultureInfo.InvariantCulture);

    public static string Percent(double percent) => percent.ToString("0.###", CultureInfo.InvariantCulture) + "%";
}
