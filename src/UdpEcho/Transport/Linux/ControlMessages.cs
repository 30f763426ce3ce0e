using System.Buffers.Binary;
using static UdpEcho.Transport.Linux.LinuxSockets;

namespace UdpEcho.Transport.Linux;

/// <summary>
/// Reads the control messages (<c>struct cmsghdr</c>) the kernel attaches to a received datagram: the drop counter
/// (<c>SO_RXQ_OVFL</c>), the receive time (<c>SO_TIMESTAMPNS</c>), and the TTL or hop limit. 64-bit layout: a
/// <c>size_t</c> length, an <c>int</c> level and type, the data at offset 16, each message aligned to 8 bytes.
/// </summary>
internal static class ControlMessages
{
    /// <summary>Room for every message the server asks for: three of at most 32 bytes each, with spare.</summary>
    public const int BufferSize = 128;

    private const int HeaderSize = 16;

    /// <summary>Reads <paramref name="control"/>; <paramref name="drops"/> is left alone unless the kernel reported it.</summary>
    public static ReceiveMetadata Read(ReadOnlySpan<byte> control, ref long drops)
    {
        long timestamp = 0;
        var ttl = -1;
        while (control.Length >= HeaderSize)
        {
            var length = (int)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(control), (ulong)control.Length);
            if (length < HeaderSize)
            {
                break;
            }

            var level = BinaryPrimitives.ReadInt32LittleEndian(control[8..]);
            var type = BinaryPrimitives.ReadInt32LittleEndian(control[12..]);
            var data = control[HeaderSize..length];
            if (level == SolSocket && type == SoRxqOvfl && data.Length >= 4)
            {
                drops = BinaryPrimitives.ReadUInt32LittleEndian(data);
            }
            else if (level == SolSocket && type == SoTimestampNs && data.Length >= 16)
            {
                // struct timespec: seconds, nanoseconds (CLOCK_REALTIME).
                timestamp = (BinaryPrimitives.ReadInt64LittleEndian(data) * 1_000_000_000) + BinaryPrimitives.ReadInt64LittleEndian(data[8..]);
            }
            else if (((level == IPProtoIP && type == IPTtl) || (level == IPProtoIPv6 && type == IPv6HopLimit)) && data.Length >= 4)
            {
                ttl = BinaryPrimitives.ReadInt32LittleEndian(data);
            }

            var next = (length + 7) & ~7;
            if (next >= control.Length)
            {
                break;
            }

            control = control[next..];
        }

        return new ReceiveMetadata(timestamp, ttl);
    }
}
