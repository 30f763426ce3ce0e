namespace UdpEcho.Tool.Commands;

/// <summary>What <c>udpecho bench --json</c> prints: the benchmark's result, in the names and units of <c>ping --json</c>.</summary>
internal sealed record BenchReport(
    string Target,
    string? RemoteEndPoint,
    string Mode,
    int Size,
    int Window,
    long Sent,
    long Received,
    long Lost,
    double LossPercent,
    long Corrupt,
    long Truncated,
    long Unmatched,
    double ElapsedSeconds,
    double EchoesPerSecond,
    RoundTripReport? RttMicroseconds,
    bool Interrupted)
{
    public static BenchReport From(UdpEchoBenchmarkResult result, BenchCommand.Settings settings, string target, bool interrupted) => new(
        target,
        result.RemoteEndPoint?.ToString(),
        BenchCommand.ModeName(settings.Mode),
        settings.Size,
        settings.Window,
        result.Sent,
        result.Received,
        result.Lost,
        Math.Round(result.LossPercent, 3),
        result.Corrupt,
        result.Truncated,
        result.Unmatched,
        Math.Round(result.Elapsed.TotalSeconds, 6),
        Math.Round(result.EchoesPerSecond, 1),
        result.Received == 0 ? null : RoundTripReport.From(result.RoundTrip),
        interrupted);
}
