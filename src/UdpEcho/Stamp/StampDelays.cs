namespace UdpEcho.Stamp;

/// <summary>
/// What one STAMP exchange measures, from its four timestamps (RFC 8762 §4): T1 the sender sent, T2 the reflector
/// received, T3 the reflector sent, T4 the sender received. All in nanoseconds.
/// </summary>
/// <remarks>
/// T1 and T4 come from the sender's clock, T2 and T3 from the reflector's. The two differences that stay on one clock,
/// <see cref="ReflectorProcessingNanoseconds"/> and <see cref="RoundTripNanoseconds"/>, and hence
/// <see cref="RoundTripWithoutProcessingNanoseconds"/>, are right whatever the clocks say. The one-way delays mix the two
/// clocks: they are off by the clocks' offset (and can come out negative), and mean something only when both ends are
/// synchronized (<see cref="ClocksSynchronized"/>: the S bit of both error estimates) or are one host.
/// </remarks>
/// <param name="ForwardNanoseconds">T2 − T1: sender to reflector.</param>
/// <param name="BackwardNanoseconds">T4 − T3: reflector to sender.</param>
/// <param name="ReflectorProcessingNanoseconds">T3 − T2: how long the reflector held the packet.</param>
/// <param name="RoundTripNanoseconds">T4 − T1: the round trip the sender saw.</param>
/// <param name="ClocksSynchronized">Both the sender's and the reflector's error estimates have the S bit set.</param>
internal readonly record struct StampDelays(
    long ForwardNanoseconds,
    long BackwardNanoseconds,
    long ReflectorProcessingNanoseconds,
    long RoundTripNanoseconds,
    bool ClocksSynchronized)
{
    /// <summary>Gets (T4 − T1) − (T3 − T2): the round trip spent in the network, without the reflector's time.</summary>
    public long RoundTripWithoutProcessingNanoseconds => RoundTripNanoseconds - ReflectorProcessingNanoseconds;

    /// <summary>
    /// Computes the delays of a reply received at <paramref name="receiveTimestamp"/> (T4). <see langword="false"/> when
    /// either side's timestamps are PTPv2 (Z = 1): their epoch and TAI offset cannot be lined up with NTP's here.
    /// </summary>
    public static bool TryCompute(in StampReflectedPacket reply, NtpTimestamp receiveTimestamp, out StampDelays delays)
    {
        if (reply.ErrorEstimate.IsPtpFormat || reply.SenderErrorEstimate.IsPtpFormat)
        {
            delays = default;
            return false;
        }

        delays = new StampDelays(
            ForwardNanoseconds: NtpTimestamp.Subtract(reply.ReceiveTimestamp, reply.SenderTimestamp),
            BackwardNanoseconds: NtpTimestamp.Subtract(receiveTimestamp, reply.TransmitTimestamp),
            ReflectorProcessingNanoseconds: NtpTimestamp.Subtract(reply.TransmitTimestamp, reply.ReceiveTimestamp),
            RoundTripNanoseconds: NtpTimestamp.Subtract(receiveTimestamp, reply.SenderTimestamp),
            ClocksSynchronized: reply.ErrorEstimate.IsSynchronized && reply.SenderErrorEstimate.IsSynchronized);
        return true;
    }
}
