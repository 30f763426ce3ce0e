using System.Text.Json.Serialization;

namespace UdpEcho.Tool.Commands;

/// <summary>What <c>udpecho ping --json</c> prints: the probe's result, times in microseconds.</summary>
internal sealed record PingReport(
    string Target,
    string? RemoteEndPoint,
    int Size,
    long Sent,
    long Received,
    long Lost,
    double LossPercent,
    long Duplicates,
    long Reordered,
    long Late,
    long Corrupt,
    double? JitterMicroseconds,
    PingRoundTrips? RttMicroseconds,
    double AchievedRate,
    bool Interrupted)
{
    public static PingReport From(UdpEchoProbeResult result, string target, int size, bool interrupted) => new(
        target,
        result.RemoteEndPoint?.ToString(),
        size,
        result.Sent,
        result.Received,
        result.Lost,
        Math.Round(result.LossPercent, 3),
        result.Duplicates,
        result.Reordered,
        result.Late,
        result.Corrupt,
        result.Received == 0 ? null : Microseconds(result.Jitter),
        result.Received == 0 ? null : new PingRoundTrips(
            Microseconds(result.RoundTrip.Min),
            Microseconds(result.RoundTrip.Mean),
            Microseconds(result.RoundTrip.StandardDeviation),
            Microseconds(result.RoundTrip.P50),
            Microseconds(result.RoundTrip.P90),
            Microseconds(result.RoundTrip.P99),
            Microseconds(result.RoundTrip.P999),
            Microseconds(result.RoundTrip.Max)),
        Math.Round(result.AchievedRate, 3),
        interrupted);

    // TimeSpan resolves 0.1 µs; rounding there keeps binary fractions like 20.100000000000001 out of the output.
    private static double Microseconds(TimeSpan time) => Math.Round(time.Ticks / 10.0, 1);
}

/// <summary>Round-trip statistics in microseconds; null in the report when nothing was received.</summary>
internal sealed record PingRoundTrips(double Min, double Mean, double Stddev, double P50, double P90, double P99, double P999, double Max);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(PingReport))]
internal sealed partial class ToolJsonContext : JsonSerializerContext;
