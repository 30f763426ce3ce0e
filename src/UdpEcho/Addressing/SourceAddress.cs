using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace UdpEcho.Addressing;

/// <summary>
/// Reads a sender from raw <c>sockaddr</c> bytes without allocating, as an engine hands them over:
/// <c>sockaddr_in</c> is family (2), port (2, big-endian), address (4), padding (8): 16 bytes;
/// <c>sockaddr_in6</c> is family (2), port (2), flow info (4), address (16), scope id (4): 28 bytes.
/// The family field's value differs by OS (AF_INET6 is 10 on Linux, 23 on Windows, 30 on macOS), so the length decides.
/// </summary>
internal static class SourceAddress
{
    public const int IPv4Size = 16;
    public const int IPv6Size = 28;

    /// <summary>::ffff:0:0/96, the IPv4-mapped prefix: every IPv4 address is keyed as its mapped IPv6 form.</summary>
    public static readonly UInt128 MappedPrefix = new(0, 0x0000_FFFF_0000_0000);

    /// <summary>Reads the port and the address, IPv4 as IPv4-mapped IPv6, so that one key serves a dual-mode socket's two views of one sender.</summary>
    public static bool TryRead(ReadOnlySpan<byte> sockaddr, out ushort port, out UInt128 address)
    {
        if (sockaddr.Length >= IPv6Size)
        {
            port = BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]);
            address = BinaryPrimitives.ReadUInt128BigEndian(sockaddr.Slice(8, 16));
            return true;
        }

        if (sockaddr.Length >= 8)
        {
            port = BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]);
            address = MappedPrefix | BinaryPrimitives.ReadUInt32BigEndian(sockaddr.Slice(4, 4));
            return true;
        }

        port = 0;
        address = default;
        return false;
    }

    public static bool IsIPv4(UInt128 address) => (address >> 32) == (MappedPrefix >> 32);

    /// <summary>The 128-bit key of an address, IPv4 as IPv4-mapped.</summary>
    public static UInt128 ToKey(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes, out _);
            return MappedPrefix | BinaryPrimitives.ReadUInt32BigEndian(bytes);
        }

        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    /// <summary>A network as (base, mask) over keys; an IPv4 network becomes its IPv4-mapped form (prefix length + 96).</summary>
    public static (UInt128 Base, UInt128 Mask) ToKeyRange(IPNetwork network)
    {
        var prefix = network.PrefixLength + (network.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 96 : 0);
        var mask = prefix == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - prefix);
        return (ToKey(network.BaseAddress) & mask, mask);
    }
}
