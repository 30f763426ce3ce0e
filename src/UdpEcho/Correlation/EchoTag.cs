using System.Buffers.Binary;

namespace UdpEcho.Correlation;

/// <summary>
/// The header the client puts in front of a tagged datagram. Any RFC 862 server reflects it unchanged, so the echo
/// says which datagram it answers and when that datagram left, with no state on the server.
/// </summary>
/// <remarks>
/// Layout, 24 bytes, big-endian so that it reads naturally in a packet capture:
/// <c>magic "UET" 0x01 (4) | stream (4) | sequence (8) | send timestamp (8)</c>.
/// Stream 0 carries <see cref="IUdpEchoClient.SendAndReceiveAsync(ReadOnlyMemory{byte}, CancellationToken)"/> calls in
/// tagged mode, whose sequence is the call number shifted left by <see cref="AttemptBits"/> plus the attempt, so that
/// every attempt of a call is a distinct datagram. Every probe gets a stream of its own, and its sequence is the
/// probe's index. The timestamp is the client's <see cref="TimeProvider"/> timestamp: meaningful to this client only.
/// </remarks>
internal readonly record struct EchoTag(uint Stream, ulong Sequence, long Timestamp)
{
    public const int Length = 24;

    /// <summary>Bits of a call's sequence that hold the attempt: 2^10 = 1024 attempts, more than <see cref="UdpEchoClientOptions.MaxRetries"/> + 1.</summary>
    public const int AttemptBits = 10;

    private const uint Magic = 0x5545_5401; // "UET" and version 1

    public static bool TryRead(ReadOnlySpan<byte> datagram, out EchoTag tag)
    {
        if (datagram.Length < Length || BinaryPrimitives.ReadUInt32BigEndian(datagram) != Magic)
        {
            tag = default;
            return false;
        }

        tag = new EchoTag(
            BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]),
            BinaryPrimitives.ReadUInt64BigEndian(datagram[8..]),
            BinaryPrimitives.ReadInt64BigEndian(datagram[16..]));
        return true;
    }

    /// <summary>Writes magic and stream, the parts that do not change from one datagram of a stream to the next.</summary>
    public static void WriteStream(Span<byte> destination, uint stream)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, Magic);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], stream);
    }

    /// <summary>Writes the parts that change with every datagram.</summary>
    public static void WriteSequence(Span<byte> destination, ulong sequence, long timestamp)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], sequence);
        BinaryPrimitives.WriteInt64BigEndian(destination[16..], timestamp);
    }

    public static ulong CallSequence(long callNumber, int attempt) => ((ulong)callNumber << AttemptBits) | (uint)(attempt - 1);

    public long CallNumber => (long)(Sequence >> AttemptBits);

    public int Attempt => (int)(Sequence & ((1u << AttemptBits) - 1)) + 1;
}
