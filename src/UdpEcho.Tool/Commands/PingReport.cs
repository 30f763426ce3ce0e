using System.Text.Json.Serialization;

namespace UdpEcho.Tool.Commands;

/// <summary>
/// What <c>udpecho ping --json</c> prints: the probe's result, times in microseconds, its duration (first to last measured
/// send) in seconds. <c>--stamp</c> adds the STAMP fields, which a plain ping leaves out; those of delays are left out
/// too when nothing was answered.
/// </summary>
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
    /// <summary>Gets the kind of reflector a STAMP ping expected: <c>stateful</c> or <c>stateless</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Stamp { get; init; }

    /// <summary>Gets the Session-Sender Identifier of the STAMP test packets.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Ssid { get; init; }

    /// <summary>Gets the probes lost on the way to the reflector (a stateful reflector never counted them).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ForwardLost { get; init; }

    /// <summary>Gets the probes whose reply was lost on the way back.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? BackwardLost { get; init; }

    /// <summary>Gets the lost probes whose direction no reply tells (all of them against a stateless reflector).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? UnattributedLost { get; init; }

    /// <summary>Gets T2 − T1 and T4 − T3: one-way delays when <see cref="ClocksSynchronized"/>, each off by the clocks' offset otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public OneWayReport? OneWayMicroseconds { get; init; }

    /// <summary>Gets whether both clocks claimed synchronization (S bits) in every answered reply.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? ClocksSynchronized { get; init; }

    /// <summary>Gets T3 − T2: how long the reflector held each test packet.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RoundTripReport? ReflectorProcessingMicroseconds { get; init; }

    /// <summary>Gets (T4 − T1) − (T3 − T2): the round trip in the network alone.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RoundTripReport? RttWithoutProcessingMicroseconds { get; init; }

    /// <summary>Gets the TTL or hop limit the last answered test packet reached the reflector with.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? ReflectorTtl { get; init; }

    /// <summary>Gets the lowest TTL the reflector saw.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? ReflectorTtlMin { get; init; }

    /// <summary>Gets the highest TTL the reflector saw.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? ReflectorTtlMax { get; init; }

    public static PingReport From(UdpEchoProbeResult result, string target, int size, bool interrupted)
    {
        var report = new PingReport(
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
        if (result.Stamp is not { } stamp)
        {
            return report;
        }

        var answered = result.Received > 0;
        return report with
        {
            Stamp = StampLines.Word(stamp.Mode),
            Ssid = stamp.SessionId,
            ForwardLost = stamp.ForwardLost,
            BackwardLost = stamp.BackwardLost,
            UnattributedLost = stamp.UnattributedLost,
            OneWayMicroseconds = answered ? new OneWayReport(RoundTripReport.From(stamp.ForwardDelay), RoundTripReport.From(stamp.BackwardDelay)) : null,
            ClocksSynchronized = stamp.ClocksSynchronized,
            ReflectorProcessingMicroseconds = answered ? RoundTripReport.From(stamp.ReflectorProcessing) : null,
            RttWithoutProcessingMicroseconds = answered ? RoundTripReport.From(stamp.RoundTripWithoutProcessing) : null,
            ReflectorTtl = stamp.ReflectorTtl,
            ReflectorTtlMin = stamp.MinReflectorTtl,
            ReflectorTtlMax = stamp.MaxReflectorTtl,
        };
    }
}

/// <summary>The delays each way of a STAMP ping, in microseconds.</summary>
internal sealed record OneWayReport(RoundTripReport Forward, RoundTripReport Backward);
