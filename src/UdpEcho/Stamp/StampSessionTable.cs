using System.Buffers.Binary;

namespace UdpEcho.Stamp;

/// <summary>
/// A STAMP test session as RFC 8972 §3 identifies it: the 4-tuple (sender address and port, local address and port)
/// plus the SSID. Addresses are 128-bit keys, IPv4 as IPv4-mapped IPv6, so that a dual-mode socket's two views of one
/// sender are one session.
/// </summary>
internal readonly record struct StampSessionKey(UInt128 SenderAddress, UInt128 LocalAddress, ushort SenderPort, ushort LocalPort, ushort Ssid)
{
    private const int IPv4Size = 16;
    private const int IPv6Size = 28;

    /// <summary>::ffff:0:0/96, the IPv4-mapped prefix.</summary>
    private static readonly UInt128 MappedPrefix = new(0, 0x0000_FFFF_0000_0000);

    /// <summary>
    /// The key of a datagram from raw <c>sockaddr</c> bytes: <c>sockaddr_in</c> is family (2), port (2, big-endian),
    /// address (4), zeros (8); <c>sockaddr_in6</c> is family (2), port (2), flow info (4), address (16), scope (4). The
    /// family's value differs by OS, so the length decides. A local address the caller does not know may be empty.
    /// </summary>
    public static StampSessionKey FromSockaddrs(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> local, ushort ssid)
    {
        ReadSockaddr(sender, out var senderPort, out var senderAddress);
        ReadSockaddr(local, out var localPort, out var localAddress);
        return new StampSessionKey(senderAddress, localAddress, senderPort, localPort, ssid);
    }

    private static void ReadSockaddr(ReadOnlySpan<byte> sockaddr, out ushort port, out UInt128 address)
    {
        if (sockaddr.Length >= IPv6Size)
        {
            port = BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]);
            address = BinaryPrimitives.ReadUInt128BigEndian(sockaddr.Slice(8, 16));
        }
        else if (sockaddr.Length >= IPv4Size)
        {
            port = BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]);
            address = MappedPrefix | BinaryPrimitives.ReadUInt32BigEndian(sockaddr.Slice(4, 4));
        }
        else
        {
            port = 0;
            address = UInt128.Zero;
        }
    }
}

/// <summary>
/// The stateful reflector's per-session counters (RFC 8762 §4.3.1: "incremented by one for each subsequent packet for
/// each test session"), at most <c>capacity</c> sessions. When full, a new session evicts the oldest one (first in,
/// first out), so that a flood of spoofed sessions costs a fixed amount of memory. Every array and the dictionary are
/// sized up front: adding and evicting allocate nothing. Not thread-safe.
/// </summary>
/// <remarks>
/// An evicted session that sends again starts over from 0, which its sender sees as a counter that went backwards
/// (the sender-side loss split then stops attributing losses). Size the table above the number of concurrent
/// sessions expected.
/// </remarks>
internal sealed class StampSessionTable
{
    private readonly Dictionary<StampSessionKey, int> _slots;
    private readonly StampSessionKey[] _keys;
    private readonly uint[] _next;
    private int _count;
    private int _oldest;

    public StampSessionTable(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _slots = new Dictionary<StampSessionKey, int>(capacity);
        _keys = new StampSessionKey[capacity];
        _next = new uint[capacity];
    }

    public int Count => _slots.Count;

    public int Capacity => _keys.Length;

    /// <summary>Gets the session's next sequence number and counts it: 0 for a new session, then 1, 2... (wrapping at 2^32).</summary>
    public uint Next(in StampSessionKey session)
    {
        if (!_slots.TryGetValue(session, out var slot))
        {
            if (_count < _keys.Length)
            {
                slot = _count++;
            }
            else
            {
                // Full: reuse the slot of the oldest session, and forget it.
                slot = _oldest;
                _oldest = (_oldest + 1) % _keys.Length;
                _slots.Remove(_keys[slot]);
            }

            _keys[slot] = session;
            _next[slot] = 0;
            _slots.Add(session, slot);
        }

        return _next[slot]++;
    }
}
