namespace UdpEcho.Tool.Commands;

/// <summary>What <c>udpecho ping --json</c> prints: the probe's result, times in microseconds, its duration (first to last measured send) in seconds.</summary>
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
    long Truncated,
    long Unreachable,
    double? JitterMicroseconds,
    RoundTripReport? RttMicroseconds,
    double DurationSeconds,
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
        result.Truncated,
        result.Unreachable,
        result.Received == 0 ? null : ReportFormat.Microseconds(result.Jitter),
        result.Received == 0 ? null : RoundTripReport.From(result.RoundTrip),
        Math.Round(result.Duration.TotalSeconds, 6),
        Math.Round(result.AchievedRate, 3),
        interrupted);
}
