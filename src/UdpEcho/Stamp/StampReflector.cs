using System.Buffers.Binary;

namespace UdpEcho.Stamp;

/// <summary>
/// A STAMP Session-Reflector's work on one datagram (RFC 8762 §4.3, unauthenticated mode, with RFC 8972's SSID): it
/// turns a received Session-Sender test packet into the reply, in place and at the same length. Allocation-free.
/// One instance per receive loop: not thread-safe.
/// </summary>
/// <remarks>
/// <para>
/// In stateful mode a session (4-tuple + SSID) must always reach the same instance, or each instance counts a share of
/// its packets. Loops that each own a socket bound with <c>SO_REUSEPORT</c> get that from the kernel, which hashes the
/// 4-tuple; loops that share one socket do not.
/// </para>
/// <para>
/// The error estimate comes from <see cref="ClockSync"/> (a system call), read when the instance is made and again
/// whenever a datagram's receive time is a second or more from the last reading: at most once a second under load.
/// </para>
/// </remarks>
internal sealed class StampReflector
{
    /// <summary>How long an error estimate is used before the clock's state is read again.</summary>
    private const long ErrorEstimateLifetimeNanoseconds = 1_000_000_000;

    private readonly StampSessionTable? _sessions;
    private readonly Func<ErrorEstimate> _readErrorEstimate;
    private ErrorEstimate _errorEstimate;
    private long _errorEstimateReadAt;

    /// <param name="mode">How replies are numbered.</param>
    /// <param name="sessionCapacity">Stateful mode: the most sessions counted at once (the oldest is evicted beyond).</param>
    /// <param name="readErrorEstimate">Where the error estimate comes from; <see cref="ClockSync.ReadErrorEstimate"/> by default.</param>
    public StampReflector(StampReflectorMode mode, int sessionCapacity, Func<ErrorEstimate>? readErrorEstimate = null)
    {
        Mode = mode;
        _sessions = mode == StampReflectorMode.Stateful ? new StampSessionTable(sessionCapacity) : null;
        _readErrorEstimate = readErrorEstimate ?? ClockSync.ReadErrorEstimate;
        _errorEstimate = _readErrorEstimate();
        _errorEstimateReadAt = NtpTimestamp.UtcNowUnixNanoseconds();
    }

    public StampReflectorMode Mode { get; }

    /// <summary>Gets the number of sessions the stateful table holds (0 in stateless mode).</summary>
    public int SessionCount => _sessions?.Count ?? 0;

    /// <summary>
    /// Rewrites a received test packet into the reflected packet, in place and at the same length, except for T3 (left
    /// zero: <see cref="WriteTransmitTimestamp(Span{byte}, long)"/> writes it just before the send). Returns
    /// <see langword="false"/>, touching nothing, for a datagram shorter than 44 octets: drop it and count it.
    /// </summary>
    /// <param name="packet">The received datagram, whole.</param>
    /// <param name="senderSockaddr">The sender's raw <c>sockaddr_in</c> or <c>sockaddr_in6</c> (stateful mode's session key).</param>
    /// <param name="localSockaddr">The address it was received on, as raw <c>sockaddr</c>; may be empty when unknown.</param>
    /// <param name="receiveUnixNanoseconds">T2: when it arrived, in nanoseconds since the Unix epoch on the realtime
    /// clock; the kernel's <c>SO_TIMESTAMPNS</c> where there is one, <see cref="NtpTimestamp.UtcNowUnixNanoseconds"/> if not.</param>
    /// <param name="ttl">The TTL (IPv4) or hop limit (IPv6) it arrived with, or -1 when unknown (then 255 is sent).</param>
    /// <remarks>
    /// Stateful mode counts the reply as transmitted here (RFC 8762 §4.3.1: the counter counts transmitted packets). The
    /// server calls it for every test packet its policy admits, before the impairment simulation: a reply the simulation
    /// then loses (or cannot queue) was counted, so its sender sees backward loss, as from a network that lost the reply.
    /// Octets past the first 44 (TLVs, padding) come back unchanged: TLVs are not processed.
    /// </remarks>
    public bool TryReflect(Span<byte> packet, ReadOnlySpan<byte> senderSockaddr, ReadOnlySpan<byte> localSockaddr, long receiveUnixNanoseconds, int ttl)
    {
        if (packet.Length < StampPacket.BaseLength)
        {
            return false;
        }

        // The sender's sequence, T1 and error estimate move as one block to where the reply carries them; the SSID
        // stays where it is. Everything else of the first 44 octets is rewritten below.
        var packetBase = packet[..StampPacket.BaseLength];
        packetBase[..StampPacket.SenderFieldsLength].CopyTo(packetBase[StampPacket.SenderSequenceOffset..]);

        var sequence = _sessions is null
            ? BinaryPrimitives.ReadUInt32BigEndian(packetBase[StampPacket.SenderSequenceOffset..])
            : _sessions.Next(StampSessionKey.FromSockaddrs(senderSockaddr, localSockaddr, BinaryPrimitives.ReadUInt16BigEndian(packetBase[StampPacket.SsidOffset..])));

        BinaryPrimitives.WriteUInt32BigEndian(packetBase, sequence);
        packetBase.Slice(StampPacket.TimestampOffset, NtpTimestamp.Size).Clear();
        ErrorEstimateAt(receiveUnixNanoseconds).Write(packetBase[StampPacket.ErrorEstimateOffset..]);
        NtpTimestamp.FromUnixNanoseconds(receiveUnixNanoseconds).Write(packetBase[StampPacket.ReceiveTimestampOffset..]);
        packetBase.Slice(StampPacket.SenderErrorEstimateOffset + ErrorEstimate.Size, 2).Clear();
        packetBase[StampPacket.SenderTtlOffset] = ttl is >= 0 and <= 255 ? (byte)ttl : StampPacket.UnknownTtl;
        packetBase[(StampPacket.SenderTtlOffset + 1)..].Clear();
        return true;
    }

    /// <summary>Writes T3 into a reflected packet: call it as close to the send as the engine allows.</summary>
    public static void WriteTransmitTimestamp(Span<byte> packet, long transmitUnixNanoseconds) =>
        StampPacket.WriteTimestamp(packet, NtpTimestamp.FromUnixNanoseconds(transmitUnixNanoseconds));

    /// <summary>Writes T3 from the realtime clock now (see <see cref="NtpTimestamp.Now"/>).</summary>
    public static void WriteTransmitTimestamp(Span<byte> packet) => StampPacket.WriteTimestamp(packet, NtpTimestamp.Now);

    private ErrorEstimate ErrorEstimateAt(long now)
    {
        // Both ways: a clock stepped back by a daemon must not freeze the estimate until it catches up.
        var age = now - _errorEstimateReadAt;
        if (age is >= ErrorEstimateLifetimeNanoseconds or <= -ErrorEstimateLifetimeNanoseconds)
        {
            _errorEstimate = _readErrorEstimate();
            _errorEstimateReadAt = now;
        }

        return _errorEstimate;
    }
}
