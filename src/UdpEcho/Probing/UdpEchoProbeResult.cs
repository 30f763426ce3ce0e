using System.Net;
using UdpEcho.Probing;

namespace UdpEcho;

/// <summary>
/// What a probe measured, from <see cref="IUdpEchoClient.ProbeAsync(UdpEchoProbeOptions, IProgress{UdpEchoProbeProgress}, CancellationToken)"/>.
/// Warm-up probes are left out of every figure.
/// </summary>
/// <remarks>The definitions, and how they compare with ping, sockperf, netperf and iperf3, are in <c>docs/client.md</c>.</remarks>
public sealed class UdpEchoProbeResult
{
    /// <summary>Gets the endpoint that was probed.</summary>
    public IPEndPoint? RemoteEndPoint { get; init; }

    /// <summary>Gets the number of probes sent. A probe still waiting for its echo when the probe was cancelled is not counted.</summary>
    public long Sent { get; init; }

    /// <summary>Gets the number of probes whose first intact echo arrived within the timeout.</summary>
    public long Received { get; init; }

    /// <summary>Gets the number of probes that got no intact echo within the timeout (timed out, truncated or unreachable): <see cref="Sent"/> minus <see cref="Received"/>.</summary>
    public long Lost => Sent - Received;

    /// <summary>Gets <see cref="Lost"/> as a percentage of <see cref="Sent"/>; 0 when nothing was sent.</summary>
    public double LossPercent => Sent == 0 ? 0 : 100.0 * Lost / Sent;

    /// <summary>Gets the number of echoes beyond the first for the same probe.</summary>
    public long Duplicates { get; init; }

    /// <summary>Gets the number of received probes whose echo arrived after the echo of a later probe.</summary>
    public long Reordered { get; init; }

    /// <summary>Gets the number of probes whose first echo arrived after the timeout. They are also counted in <see cref="Lost"/>.</summary>
    public long Late { get; init; }

    /// <summary>Gets the number of echoes that named a probe of this run but differed from what was sent (truncated ones are counted apart).</summary>
    public long Corrupt { get; init; }

    /// <summary>Gets the number of echoes that came back cut short: the start of a probe's datagram and no more. Their probes are lost, at once.</summary>
    public long Truncated { get; init; }

    /// <summary>Gets the number of probes lost to a report that the destination is unreachable (an ICMP error such as port unreachable). They are also counted in <see cref="Lost"/>.</summary>
    public long Unreachable { get; init; }

    /// <summary>Gets the round-trip times of the received probes.</summary>
    public UdpEchoRoundTripStatistics RoundTrip { get; init; } = new();

    /// <summary>
    /// Gets the interarrival jitter as RFC 3550 defines it (section 6.4.1), with the round-trip time as the transit time:
    /// for consecutive received probes in arrival order, <c>J += (|D| - J) / 16</c>, where <c>D</c> is the difference
    /// between their round-trip times. Zero with fewer than two received probes.
    /// </summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>Gets the time from the first to the last measured send.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Gets the rate at which probes were sent, in messages per second: the <see cref="Sent"/> - 1 intervals between sends over <see cref="Duration"/>. Zero with fewer than two probes.</summary>
    public double AchievedRate { get; init; }

    /// <summary>
    /// Gets what a STAMP probe (<see cref="UdpEchoProbeOptions.StampMode"/>) measured beyond the round trip: one-way
    /// delays, the reflector's processing time, the loss by direction, the TTL. <see langword="null"/> for a plain probe.
    /// </summary>
    public UdpEchoStampResult? Stamp { get; init; }

    /// <summary>Gives the figures as <c>udpecho ping</c> prints them: counts, loss, round trips in milliseconds, jitter and rate, then a STAMP probe's own.</summary>
    /// <returns>The figures on one line.</returns>
    public override string ToString() => Figures.Invariant(
        $"{RemoteEndPoint}: {Sent} sent, {Received} received, {Figures.Percent(LossPercent)} loss, {Duplicates} duplicates, {Reordered} reordered, {Late} late, {Corrupt} corrupt, {Truncated} truncated, {Unreachable} unreachable; rtt {RoundTrip}; jitter {Figures.Ms(Jitter)} ms; {AchievedRate:0.##} probes/s over {Duration.TotalSeconds:0.000} s{(Stamp is null ? string.Empty : "; " + Stamp)}");
}
