using System.Buffers.Binary;

namespace UdpEcho.Stamp;

/// <summary>
/// The two unauthenticated STAMP test packets, with the SSID of RFC 8972 §3 in the octets RFC 8762 left as MBZ.
/// Both are 44 octets; a longer packet carries TLVs (RFC 8972 §4) or padding after them. All fields are big-endian.
/// <code>
/// Session-Sender (RFC 8762 §4.2.1)        Session-Reflector (RFC 8762 §4.3.1)
///  0  Sequence Number (4)                  0  Sequence Number (4)
///  4  Timestamp T1 (8)                     4  Timestamp T3 (8)
/// 12  Error Estimate (2)                  12  Error Estimate (2)
/// 14  SSID (2)                            14  SSID (2)
/// 16  MBZ (28)                            16  Receive Timestamp T2 (8)
///                                         24  Session-Sender Sequence Number (4)
///                                         28  Session-Sender Timestamp T1 (8)
///                                         36  Session-Sender Error Estimate (2)
///                                         38  MBZ (2)
///                                         40  Ses-Sender TTL (1)
///                                         41  MBZ (3)
/// </code>
/// The sender's first 14 octets (sequence, timestamp, error estimate) reappear unchanged at offset 24 of the reply,
/// which is what lets the reflector rewrite a packet in place.
/// </summary>
internal static class StampPacket
{
    /// <summary>The length of both base packets; a shorter datagram is not a STAMP test packet.</summary>
    public const int BaseLength = 44;

    /// <summary>UDP port 862, STAMP's default (RFC 8762 §4.1), shared with TWAMP-Test. Binding it needs privilege.</summary>
    public const int DefaultPort = 862;

    /// <summary>The Ses-Sender TTL sent when the received TTL or hop limit is unknown (see <see cref="StampReflector"/>).</summary>
    public const byte UnknownTtl = 255;

    public const int SequenceOffset = 0;
    public const int TimestampOffset = 4;
    public const int ErrorEstimateOffset = 12;
    public const int SsidOffset = 14;

    /// <summary>Where the sender's sequence, timestamp and error estimate start, and how long they run.</summary>
    public const int SenderFieldsLength = 14;

    public const int ReceiveTimestampOffset = 16;
    public const int SenderSequenceOffset = 24;
    public const int SenderTimestampOffset = 28;
    public const int SenderErrorEstimateOffset = 36;
    public const int SenderTtlOffset = 40;

    /// <summary>
    /// Whether <paramref name="packet"/> (44 octets or more) carries a Receive Timestamp, as a reflector's reply does,
    /// where a Session-Sender test packet has octets that must be zero: a reply sent back to a reflector, which only a
    /// loop between two reflectors (or a reflector and an echo server) produces.
    /// </summary>
    public static bool IsReflected(ReadOnlySpan<byte> packet) =>
        packet.Length >= BaseLength && packet.Slice(ReceiveTimestampOffset, 8).IndexOfAnyExcept((byte)0) >= 0;

    /// <summary>
    /// Writes a Session-Sender test packet into all of <paramref name="packet"/> (at least 44 octets): the fields, then
    /// zeros for the MBZ octets and for any padding after them (RFC 8762 §4.2.1: MBZ is zeroed on transmission).
    /// </summary>
    public static void WriteSenderPacket(Span<byte> packet, uint sequence, NtpTimestamp timestamp, ErrorEstimate errorEstimate, ushort ssid)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(packet.Length, BaseLength, nameof(packet));
        BinaryPrimitives.WriteUInt32BigEndian(packet, sequence);
        timestamp.Write(packet[TimestampOffset..]);
        errorEstimate.Write(packet[ErrorEstimateOffset..]);
        BinaryPrimitives.WriteUInt16BigEndian(packet[SsidOffset..], ssid);
        packet[ReceiveTimestampOffset..].Clear();
    }

    /// <summary>Rewrites the transmit timestamp T3 of a reflected packet; see <see cref="StampReflector.WriteTransmitTimestamp(Span{byte}, long)"/>.</summary>
    public static void WriteTimestamp(Span<byte> packet, NtpTimestamp timestamp) => timestamp.Write(packet[TimestampOffset..]);

    /// <summary>Reads a Session-Reflector packet; <see langword="false"/> when it is shorter than 44 octets.</summary>
    /// <remarks>MBZ octets are not checked: RFC 8762 §4.3.1 has them ignored on receipt.</remarks>
    public static bool TryReadReflectedPacket(ReadOnlySpan<byte> packet, out StampReflectedPacket reflected)
    {
        if (packet.Length < BaseLength)
        {
            reflected = default;
            return false;
        }

        reflected = new StampReflectedPacket(
            Sequence: BinaryPrimitives.ReadUInt32BigEndian(packet),
            TransmitTimestamp: NtpTimestamp.Read(packet[TimestampOffset..]),
            ErrorEstimate: ErrorEstimate.Read(packet[ErrorEstimateOffset..]),
            Ssid: BinaryPrimitives.ReadUInt16BigEndian(packet[SsidOffset..]),
            ReceiveTimestamp: NtpTimestamp.Read(packet[ReceiveTimestampOffset..]),
            SenderSequence: BinaryPrimitives.ReadUInt32BigEndian(packet[SenderSequenceOffset..]),
            SenderTimestamp: NtpTimestamp.Read(packet[SenderTimestampOffset..]),
            SenderErrorEstimate: ErrorEstimate.Read(packet[SenderErrorEstimateOffset..]),
            SenderTtl: packet[SenderTtlOffset]);
        return true;
    }
}

/// <summary>The fields of a Session-Reflector test packet (RFC 8762 §4.3.1), as a Session-Sender reads them.</summary>
/// <param name="Sequence">The reflector's sequence number: the sender's in stateless mode, its own count in stateful mode.</param>
/// <param name="TransmitTimestamp">T3, when the reflector sent the reply.</param>
/// <param name="ErrorEstimate">The reflector's clock's error estimate, for T2 and T3.</param>
/// <param name="Ssid">The session identifier, returned as sent.</param>
/// <param name="ReceiveTimestamp">T2, when the reflector received the test packet.</param>
/// <param name="SenderSequence">The sequence number the sender sent.</param>
/// <param name="SenderTimestamp">T1, the sender's transmit timestamp, returned as sent.</param>
/// <param name="SenderErrorEstimate">The sender's error estimate, returned as sent.</param>
/// <param name="SenderTtl">The TTL (IPv4) or hop limit (IPv6) the test packet arrived with; 255 when the reflector could not tell.</param>
internal readonly record struct StampReflectedPacket(
    uint Sequence,
    NtpTimestamp TransmitTimestamp,
    ErrorEstimate ErrorEstimate,
    ushort Ssid,
    NtpTimestamp ReceiveTimestamp,
    uint SenderSequence,
    NtpTimestamp SenderTimestamp,
    ErrorEstimate SenderErrorEstimate,
    byte SenderTtl);
