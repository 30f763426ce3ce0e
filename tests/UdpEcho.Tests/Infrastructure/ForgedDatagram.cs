using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace UdpEcho.Tests.Infrastructure;

/// <summary>
/// Sends one IPv4 UDP datagram with a forged source, through a raw socket with a hand-built IP header, as an attacker
/// (or hping3) would. Needs root (CAP_NET_RAW); tests that use it are <see cref="RootFactAttribute"/>s. Loopback only.
/// </summary>
internal static class ForgedDatagram
{
    public static void Send(IPEndPoint from, IPEndPoint to, ReadOnlySpan<byte> payload)
    {
        Assert.True(IPAddress.IsLoopback(to.Address), "forged datagrams stay on loopback");
        Assert.Equal(AddressFamily.InterNetwork, to.AddressFamily);
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Udp);
        raw.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.HeaderIncluded, true);

        var packet = new byte[20 + 8 + payload.Length];
        packet[0] = 0x45; // IPv4, 5 words of header
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), 0x4000); // don't fragment
        packet[8] = 64; // TTL
        packet[9] = 17; // UDP
        from.Address.TryWriteBytes(packet.AsSpan(12), out _);
        to.Address.TryWriteBytes(packet.AsSpan(16), out _);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), Checksum(packet.AsSpan(0, 20)));

        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20), (ushort)from.Port);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(22), (ushort)to.Port);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(24), (ushort)(8 + payload.Length));
        payload.CopyTo(packet.AsSpan(28)); // UDP checksum 0: none, as IPv4 allows

        raw.SendTo(packet, new IPEndPoint(to.Address, 0));
    }

    private static ushort Checksum(ReadOnlySpan<byte> header)
    {
        uint sum = 0;
        for (var i = 0; i < header.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}

/// <summary>A test that needs root (raw sockets): skipped, saying why, when the tests do not run as root. CI runs as root.</summary>
internal sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Skip = "needs root for a raw socket to forge the source address (CI runs as root)";
        }
    }
}
