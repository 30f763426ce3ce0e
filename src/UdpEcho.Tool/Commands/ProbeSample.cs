using System.Text.Json.Serialization;

namespace UdpEcho.Tool.Commands;

/// <summary>
/// One line of <c>udpecho ping --samples FILE</c>: what became of one probe, as JSON lines (one object a line). Times in
/// microseconds with one decimal, as <c>--json</c> prints them; <see cref="RttMicroseconds"/> is null for a probe that
/// got no echo.
/// </summary>
/// <param name="Sequence">The probe's number, counted from 0 with the warm-up.</param>
/// <param name="SendTimeMicroseconds">When it left, from the first probe's send.</param>
/// <param name="RttMicroseconds">Its round trip; null when it was lost.</param>
/// <param name="Outcome"><c>answered</c>, <c>timedOut</c>, <c>truncated</c> or <c>unreachable</c>.</param>
internal sealed record ProbeSample(long Sequence, double SendTimeMicroseconds, double? RttMicroseconds, string Outcome)
{
    /// <summary>Gets a STAMP reply's forward delay, T2 − T1 (<c>--stamp</c> only).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? ForwardMicroseconds { get; init; }

    /// <summary>Gets a STAMP reply's backward delay, T4 − T3 (<c>--stamp</c> only).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? BackwardMicroseconds { get; init; }

    /// <summary>Gets how long the STAMP reflector held the test packet, T3 − T2 (<c>--stamp</c> only).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? ProcessingMicroseconds { get; init; }

    /// <summary>The sample of a probe's outcome, or null for an event that is no probe's outcome (a duplicate, a late or corrupt echo) or a warm-up probe.</summary>
    public static ProbeSample? From(UdpEchoProbeProgress e) => e.IsWarmUp ? null : e.Outcome switch
    {
        UdpEchoProbeOutcome.Answered => new(e.Sequence, ReportFormat.Microseconds(e.SendTime), ReportFormat.Microseconds(e.RoundTripTime), "answered")
        {
            ForwardMicroseconds = e.Stamp is { } s ? ReportFormat.Microseconds(s.ForwardDelay) : null,
            BackwardMicroseconds = e.Stamp is { } b ? ReportFormat.Microseconds(b.BackwardDelay) : null,
            ProcessingMicroseconds = e.Stamp is { } p ? ReportFormat.Microseconds(p.ReflectorProcessing) : null,
        },
        UdpEchoProbeOutcome.TimedOut => new(e.Sequence, ReportFormat.Microseconds(e.SendTime), null, "timedOut"),
        UdpEchoProbeOutcome.Truncated => new(e.Sequence, ReportFormat.Microseconds(e.SendTime), null, "truncated"),
        UdpEchoProbeOutcome.Unreachable => new(e.Sequence, ReportFormat.Microseconds(e.SendTime), null, "unreachable"),
        _ => null,
    };
}
