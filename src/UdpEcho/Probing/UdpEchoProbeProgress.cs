namespace UdpEcho;

/// <summary>
/// One event of a running probe, reported through the <see cref="IProgress{T}"/> given to
/// <see cref="IUdpEchoClient.ProbeAsync(UdpEchoProbeOptions, IProgress{UdpEchoProbeProgress}, CancellationToken)"/>:
/// an echo (answered, duplicate, late or corrupt) or a timeout.
/// </summary>
/// <remarks>
/// Reports come one at a time, in the order the probe saw the events, from the client's receive loop (echoes) or the
/// probe's own loop (timeouts). A slow handler delays the next datagram's timestamp: hand the report off (to a
/// channel, for example) and return.
/// </remarks>
public readonly record struct UdpEchoProbeProgress
{
    /// <summary>Gets the probe's number: 0 for the first datagram sent, warm-up included.</summary>
    public long Sequence { get; init; }

    /// <summary>Gets what happened.</summary>
    public UdpEchoProbeOutcome Outcome { get; init; }

    /// <summary>Gets the round-trip time of this echo: from the send of the probe to the echo's arrival. Zero when there is none: <see cref="UdpEchoProbeOutcome.TimedOut"/>, <see cref="UdpEchoProbeOutcome.Truncated"/>, <see cref="UdpEchoProbeOutcome.Unreachable"/> and <see cref="UdpEchoProbeOutcome.Corrupt"/>.</summary>
    public TimeSpan RoundTripTime { get; init; }

    /// <summary>Gets when the probe was sent, counted from the send of the run's first probe (warm-up included); zero for <see cref="UdpEchoProbeOutcome.Corrupt"/>, whose probe is unknown.</summary>
    public TimeSpan SendTime { get; init; }

    /// <summary>Gets the length of the echo in bytes; 0 for <see cref="UdpEchoProbeOutcome.TimedOut"/> and <see cref="UdpEchoProbeOutcome.Unreachable"/>.</summary>
    public int Length { get; init; }

    /// <summary>Gets a value indicating whether this answer arrived after the echo of a later probe.</summary>
    public bool Reordered { get; init; }

    /// <summary>Gets a value indicating whether the probe is one of the <see cref="UdpEchoProbeOptions.WarmUp"/> probes, left out of every statistic.</summary>
    public bool IsWarmUp { get; init; }

    /// <summary>Gets how many measured probes had been sent at the time of this event.</summary>
    public long Sent { get; init; }

    /// <summary>Gets how many measured probes had been answered at the time of this event.</summary>
    public long Received { get; init; }

    /// <summary>Gets how many measured probes had been lost (timed out, truncated or unreachable) at the time of this event.</summary>
    public long Lost { get; init; }

    /// <summary>
    /// Gets what the STAMP reply told (one-way delays, the reflector's processing, its sequence number and the TTL it
    /// saw), for an answered, duplicate or late reply of a STAMP probe (<see cref="UdpEchoProbeOptions.StampMode"/>);
    /// <see langword="null"/> for anything else, and for a reply whose timestamps are not NTP's.
    /// </summary>
    public UdpEchoStampReply? Stamp { get; init; }
}
