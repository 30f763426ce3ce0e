using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace UdpEcho.Tests.Stamp;

/// <summary>
/// A STAMP Session-Sender written from RFC 8762 §4.2.1 (with RFC 8972's SSID) alone, sharing no code with
/// <c>UdpEcho.Stamp</c>: an interop peer for testing a reflector. It sends unauthenticated test packets of 44 octets or
/// more from a loopback socket, stamps T1 and T4 with its own NTP conversion of <see cref="DateTime.UtcNow"/>, and hands
/// back each reply's raw bytes with a reader for the fields of §4.3.1.
/// </summary>
internal sealed class MinimalStampSender : IDisposable
{
    /// <summary>The error estimate this sender puts in its packets: S = 0, Scale 0, Multiplier 1.</summary>
    public const ushort ErrorEstimate = 0x0001;

    private readonly Socket _socket;
    private readonly IPEndPoint _reflector;
    private readonly byte[] _receiveBuffer = new byte[65536];

    public MinimalStampSender(IPEndPoint reflector)
    {
        _reflector = reflector;
        var loopback = reflector.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        _socket = new Socket(loopback.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(loopback, 0));
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Now on the sender's clock, as a 64-bit NTP timestamp.</summary>
    public static ulong NtpNow() => NtpTimestamp(DateTime.UtcNow);

    /// <summary>A UTC time as a 64-bit NTP timestamp: seconds since 1900-01-01 (era 0 only), then units of 2^-32 s.</summary>
    public static ulong NtpTimestamp(DateTime utc)
    {
        var ticks = utc.Ticks - new DateTime(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
        var seconds = (ulong)(ticks / TimeSpan.TicksPerSecond);
        var fraction = ((ulong)(ticks % TimeSpan.TicksPerSecond) << 32) / TimeSpan.TicksPerSecond;
        return ((seconds & 0xFFFF_FFFF) << 32) | fraction;
    }

    /// <summary>Builds a test packet: the §4.2.1 fields, zeros to octet 44, then <paramref name="tail"/> (TLVs or padding).</summary>
    public static byte[] BuildPacket(uint sequence, ulong timestamp, ushort ssid, ReadOnlySpan<byte> tail = default)
    {
        var packet = new byte[44 + tail.Length];
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(0), sequence);
        BinaryPrimitives.WriteUInt64BigEndian(packet.AsSpan(4), timestamp);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(12), ErrorEstimate);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(14), ssid);
        tail.CopyTo(packet.AsSpan(44));
        return packet;
    }

    /// <summary>Sends test packet <paramref name="sequence"/>, stamped now; returns the bytes sent.</summary>
    public async Task<byte[]> SendAsync(uint sequence, ushort ssid, byte[]? tail = null)
    {
        var packet = BuildPacket(sequence, NtpNow(), ssid, tail);
        await SendRawAsync(packet);
        return packet;
    }

    /// <summary>Sends any bytes (a datagram too short to be a test packet, say).</summary>
    public async Task SendRawAsync(byte[] datagram)
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        await _socket.SendToAsync(datagram, SocketFlags.None, _reflector, cts.Token);
    }

    /// <summary>Waits for the next reply and stamps T4; throws <see cref="TimeoutException"/> when none comes in time.</summary>
    public async Task<MinimalStampReply> ReceiveAsync()
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        try
        {
            var received = await _socket.ReceiveFromAsync(_receiveBuffer, SocketFlags.None, new IPEndPoint(_reflector.Address, 0), cts.Token);
            var t4 = NtpNow();
            return new MinimalStampReply(_receiveBuffer.AsSpan(0, received.ReceivedBytes).ToArray(), t4);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"No STAMP reply reached {LocalEndPoint} within {TestTimeouts.Await}.");
        }
    }

    public void Dispose() => _socket.Dispose();
}

/// <summary>A reflected packet's raw bytes, read at the offsets of RFC 8762 §4.3.1, and the sender's T4.</summary>
internal sealed record MinimalStampReply(byte[] Bytes, ulong T4)
{
    public uint Sequence => BinaryPrimitives.ReadUInt32BigEndian(Bytes.AsSpan(0));

    public ulong T3 => BinaryPrimitives.ReadUInt64BigEndian(Bytes.AsSpan(4));

    public ushort ErrorEstimate => BinaryPrimitives.ReadUInt16BigEndian(Bytes.AsSpan(12));

    public ushort Ssid => BinaryPrimitives.ReadUInt16BigEndian(Bytes.AsSpan(14));

    public ulong T2 => BinaryPrimitives.ReadUInt64BigEndian(Bytes.AsSpan(16));

    public uint SenderSequence => BinaryPrimitives.ReadUInt32BigEndian(Bytes.AsSpan(24));

    public ulong T1 => BinaryPrimitives.ReadUInt64BigEndian(Bytes.AsSpan(28));

    public ushort SenderErrorEstimate => BinaryPrimitives.ReadUInt16BigEndian(Bytes.AsSpan(36));

    public byte SenderTtl => Bytes[40];

    /// <summary>The two MBZ fields (octets 38-39 and 41-43).</summary>
    public byte[] Mbz => [Bytes[38], Bytes[39], Bytes[41], Bytes[42], Bytes[43]];

    /// <summary>The microseconds from NTP timestamp <paramref name="earlier"/> to <paramref name="later"/>.</summary>
    public static double Microseconds(ulong later, ulong earlier) => (long)(later - earlier) / 4294.967296;
}
