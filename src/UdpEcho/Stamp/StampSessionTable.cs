using UdpEcho.Addressing;

namespace UdpEcho.Stamp;

/// <summary>
/// A STAMP test session as RFC 8972 §3 identifies it: the 4-tuple (sender address and port, local address and port)
/// plus the SSID. Addresses are 128-bit keys, IPv4 as IPv4-mapped IPv6, so that a dual-mode socket's two views of one
/// sender are one session.
/// </summary>
internal readonly record struct StampSessionKey(UInt128 SenderAddress, UInt128 LocalAddress, ushort SenderPort, ushort LocalPort, ushort Ssid)
{
    /// <summary>The key of a datagram from raw <c>sockaddr</c> bytes (see <see cref="SourceAddress"/>). A local address the caller does not know may be empty.</summary>
    public static StampSessionKey FromSockaddrs(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> local, ushort ssid)
    {
        Read(sender, out var senderPort, out var senderAddress);
        Read(local, out var localPort, out var localAddress);
        return new StampSessionKey(senderAddress, localAddress, senderPort, localPort, ssid);

        static void Read(ReadOnlySpan<byte> sockaddr, out ushort port, out UInt128 address)
        {
            if (!SourceAddress.TryRead(sockaddr, out port, out address))
            {
                (port, address) = (0, UInt128.Zero);
            }
        }
    }
}

/// <summary>
/// The stateful reflector's per-session counters (RFC 8762 §4.3.1: "incremented by one for each subsequent packet for
/// each test session"), at most <c>capacity</c> sessions in a <see cref="BoundedTable{TKey, TValue}"/>: when full, a new
/// session evicts the oldest one, so that a flood of spoofed sessions costs a fixed amount of memory. Not thread-safe.
/// </summary>
/// <remarks>
/// An evicted session that sends again starts over from 0, which its sender sees as a counter that went backwards
/// (the sender-side loss split then stops attributing losses). Size the table above the number of concurrent
/// sessions expected.
/// </remarks>
internal sealed class StampSessionTable(int capacity)
{
    private readonly BoundedTable<StampSessionKey, uint> _next = new(capacity);

    public int Count => _next.Count;

    public int Capacity => _next.Capacity;

    /// <summary>Gets the session's next sequence number and counts it: 0 for a new session, then 1, 2... (wrapping at 2^32).</summary>
    public uint Next(in StampSessionKey session) => _next.GetOrAdd(session, out _)++;
}
