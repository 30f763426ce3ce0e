using System.Globalization;
using System.Net;
using System.Text.Json;

namespace UdpEcho.Tool.Commands;

/// <summary>Numbers as every command prints them: invariant culture; milliseconds with three decimals in text, microseconds with one in JSON.</summary>
internal static class ReportFormat
{
    public static string Percent(long part, long whole) =>
        (whole == 0 ? 0 : 100.0 * part / whole).ToString("0.###", CultureInfo.InvariantCulture) + "%";

    public static string Milliseconds(TimeSpan time) => time.TotalMilliseconds.ToString("0.000", CultureInfo.InvariantCulture);

    // TimeSpan resolves 0.1 µs; rounding there keeps binary fractions like 20.100000000000001 out of the output.
    public static double Microseconds(TimeSpan time) => Math.Round(time.Ticks / 10.0, 1);

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>The two round-trip lines of a text summary; <c>ping</c> adds its jitter to the second.</summary>
    public static (string Spread, string Percentiles) RoundTripLines(UdpEchoRoundTripStatistics t) => (
        $"rtt min/mean/max/stddev = {Milliseconds(t.Min)}/{Milliseconds(t.Mean)}/{Milliseconds(t.Max)}/{Milliseconds(t.StandardDeviation)} ms",
        $"rtt p50/p90/p99/p99.9 = {Milliseconds(t.P50)}/{Milliseconds(t.P90)}/{Milliseconds(t.P99)}/{Milliseconds(t.P999)} ms");

    /// <summary>The one-line error for a library call that failed before or while it ran.</summary>
    /// <param name="e">What the library threw.</param>
    /// <param name="size">The datagram size asked for.</param>
    /// <param name="target">The server as the user gave it.</param>
    /// <param name="what">How the size was given, such as <c>--size 65520</c>; by default that.</param>
    public static string Describe(Exception e, int size, EndPoint target, string? what = null) => e switch
    {
        OperationCanceledException => "interrupted before the first message was sent",

        // Only a name gets here (an address typed on the command line is checked as it is parsed): it resolved to IPv4.
        ArgumentException when size > UdpEchoServerOptions.MaxIPv4DatagramSize =>
            $"{what ?? $"--size {size}"} is too large for {ToolOptions.Format(target)}, which resolved to an IPv4 address: a UDP datagram to it carries at most {UdpEchoServerOptions.MaxIPv4DatagramSize} bytes.",
        // The library names its own option; on the command line it is --stamp.
        UdpEchoException => e.Message.Replace("Probe it without StampMode", "Ping it without --stamp", StringComparison.Ordinal),
        _ => e.Message,
    };

    /// <summary>
    /// Reports a run that failed: one line on standard error and, with <c>--json</c>, an <see cref="ErrorReport"/> on
    /// standard output, so that a script reading the JSON gets a document either way.
    /// </summary>
    public static async Task ReportFailureAsync(TextWriter output, TextWriter error, bool json, EndPoint target, string message)
    {
        await error.WriteLineAsync($"udpecho: {message}").ConfigureAwait(false);
        if (json)
        {
            var report = new ErrorReport(ToolOptions.Format(target), message);
            await output.WriteLineAsync(JsonSerializer.Serialize(report, ToolJsonContext.Default.ErrorReport)).ConfigureAwait(false);
        }
    }
}

/// <summary>Round-trip statistics in microseconds, as the JSON reports carry them; null there when nothing was received.</summary>
internal sealed record RoundTripReport(double Min, double Mean, double Stddev, double P50, double P90, double P99, double P999, double Max)
{
    public static RoundTripReport From(UdpEchoRoundTripStatistics t) => new(
        ReportFormat.Microseconds(t.Min),
        ReportFormat.Microseconds(t.Mean),
        ReportFormat.Microseconds(t.StandardDeviation),
        ReportFormat.Microseconds(t.P50),
        ReportFormat.Microseconds(t.P90),
        ReportFormat.Microseconds(t.P99),
        ReportFormat.Microseconds(t.P999),
        ReportFormat.Microseconds(t.Max));
}
