namespace UdpEcho;

/// <summary>
/// What one STAMP reply told, in <see cref="UdpEchoProbeProgress.Stamp"/>: the exchange's delays from its four
/// timestamps, the reflector's sequence number and the TTL it saw. See <see cref="UdpEchoStampResult"/> for what each
/// figure means and when the one-way ones can be trusted.
/// </summary>
public readonly record struct UdpEchoStampReply
{
    /// <summary>Gets T2 − T1: the forward delay, a one-way delay only with synchronized clocks.</summary>
    public TimeSpan ForwardDelay { get; init; }

    /// <summary>Gets T4 − T3: the backward delay, a one-way delay only with synchronized clocks.</summary>
    public TimeSpan BackwardDelay { get; init; }

    /// <summary>Gets T3 − T2: how long the reflector held the test packet.</summary>
    public TimeSpan ReflectorProcessing { get; init; }

    /// <summary>Gets (T4 − T1) − (T3 − T2): the round trip spent in the network.</summary>
    public TimeSpan RoundTripWithoutProcessing { get; init; }

    /// <summary>Gets the reply's Sequence Number: the probe's own from a stateless reflector, the reflector's count of the session from a stateful one.</summary>
    public uint ReflectorSequence { get; init; }

    /// <summary>Gets the TTL or hop limit the test packet reached the reflector with; 255 when the reflector cannot read it.</summary>
    public int ReflectorTtl { get; init; }

    /// <summary>Gets a value indicating whether both the client's and the reflector's clocks claimed to be synchronized (S bits).</summary>
    public bool ClocksSynchronized { get; init; }
}
