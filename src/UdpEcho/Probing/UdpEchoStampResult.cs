using UdpEcho.Probing;

namespace UdpEcho;

/// <summary>
/// What a STAMP probe (<see cref="UdpEchoProbeOptions.StampMode"/>) measured beyond the round trip, in
/// <see cref="UdpEchoProbeResult.Stamp"/>: the delay each way, the reflector's processing time, the round trip without
/// it, the loss by direction and the TTL the reflector saw. Warm-up probes are left out, as from every figure.
/// </summary>
/// <remarks>
/// <para>
/// From the four timestamps of each answered test packet (RFC 8762 §4): T1 the probe sent it, T2 the reflector received
/// it, T3 the reflector sent its reply, T4 the reply arrived. T1 and T4 are the client's realtime clock, T2 and T3 the
/// reflector's. <see cref="ReflectorProcessing"/> (T3 − T2) and <see cref="RoundTripWithoutProcessing"/>
/// ((T4 − T1) − (T3 − T2)) each stay on one clock and are right whatever the clocks say. <see cref="ForwardDelay"/>
/// (T2 − T1) and <see cref="BackwardDelay"/> (T4 − T3) subtract one clock from the other: each is off by the offset
/// between the clocks (one too long by what the other is too short), and can be negative. They are one-way delays only
/// when <see cref="ClocksSynchronized"/> is true, or when both ends share one clock (one host).
/// </para>
/// <para>
/// Each statistic is a <see cref="UdpEchoRoundTripStatistics"/> over the answered probes, percentiles included; the
/// histogram in its <see cref="UdpEchoRoundTripStatistics.Histogram"/> is left empty for a delay that came out negative
/// at least once. The round trip the application saw (T4 − T1) is <see cref="UdpEchoProbeResult.RoundTrip"/>.
/// </para>
/// </remarks>
public sealed class UdpEchoStampResult
{
    /// <summary>Gets the kind of Session-Reflector the probe was told to expect.</summary>
    public UdpEchoStampMode Mode { get; init; }

    /// <summary>Gets the Session-Sender Identifier (SSID) the test packets carried.</summary>
    public ushort SessionId { get; init; }

    /// <summary>Gets the forward delays, T2 − T1: from the client to the reflector. One-way delays only with synchronized clocks.</summary>
    public UdpEchoRoundTripStatistics ForwardDelay { get; init; } = new();

    /// <summary>Gets the backward delays, T4 − T3: from the reflector back to the client. One-way delays only with synchronized clocks.</summary>
    public UdpEchoRoundTripStatistics BackwardDelay { get; init; } = new();

    /// <summary>Gets how long the reflector held each test packet, T3 − T2, by its own clock.</summary>
    public UdpEchoRoundTripStatistics ReflectorProcessing { get; init; } = new();

    /// <summary>Gets the round trips spent in the network, without the reflector's processing: (T4 − T1) − (T3 − T2).</summary>
    public UdpEchoRoundTripStatistics RoundTripWithoutProcessing { get; init; } = new();

    /// <summary>
    /// Gets the probes lost on the way to the reflector: it never counted them. Only a stateful reflector tells; see
    /// <see cref="UnattributedLost"/> for the rest.
    /// </summary>
    public long ForwardLost { get; init; }

    /// <summary>Gets the probes whose reply was lost on the way back: the reflector counted and answered them, the reply never arrived in time.</summary>
    public long BackwardLost { get; init; }

    /// <summary>
    /// Gets the lost probes no reply tells the direction of: all of them against a stateless reflector; against a stateful
    /// one, those after the last reply, or all of them when the reflector's count for the session did not start with the
    /// run. <see cref="ForwardLost"/> + <see cref="BackwardLost"/> + this is <see cref="UdpEchoProbeResult.Lost"/>.
    /// </summary>
    public long UnattributedLost { get; init; }

    /// <summary>
    /// Gets the TTL (IPv4) or hop limit (IPv6) the last answered test packet reached the reflector with (the Ses-Sender
    /// TTL of RFC 8762 §4.3.1): the sender's initial TTL minus the hops on the way. 255 from a reflector that cannot read
    /// it. <see langword="null"/> when no probe was answered.
    /// </summary>
    public int? ReflectorTtl { get; init; }

    /// <summary>Gets the lowest TTL the reflector saw over the run; it differs from <see cref="MaxReflectorTtl"/> when the path changed length.</summary>
    public int? MinReflectorTtl { get; init; }

    /// <summary>Gets the highest TTL the reflector saw over the run.</summary>
    public int? MaxReflectorTtl { get; init; }

    /// <summary>
    /// Gets a value indicating whether both clocks claimed to be synchronized to UTC (the S bit of the client's and of the
    /// reflector's Error Estimate) in every answered reply: only then are <see cref="ForwardDelay"/> and
    /// <see cref="BackwardDelay"/> one-way delays. <see langword="false"/> when no probe was answered.
    /// </summary>
    public bool ClocksSynchronized { get; init; }

    /// <summary>Gives the figures: one-way delays, processing and network round trips in milliseconds, the loss split, the TTL.</summary>
    /// <returns>The figures on one line.</returns>
    public override string ToString() => Figures.Invariant(
        $"STAMP {Mode} SSID {SessionId}: forward {ForwardDelay}; backward {BackwardDelay}; clocks {(ClocksSynchronized ? "synchronized" : "not synchronized (forward and backward include their offset)")}; reflector processing {ReflectorProcessing}; without processing {RoundTripWithoutProcessing}; lost {ForwardLost} forward, {BackwardLost} backward, {UnattributedLost} unattributed; reflector TTL {(ReflectorTtl is { } ttl ? Figures.Invariant($"{ttl} ({MinReflectorTtl}..{MaxReflectorTtl})") : "none")}");
}
