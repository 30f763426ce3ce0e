using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace UdpEcho.Tests.Stamp;

/// <summary>
/// A STAMP Session-Reflector written from RFC 8762 §4.3 (unauthenticated, with RFC 8972's SSID) alone, sharing no code
/// with <c>UdpEcho.Stamp</c>: an interop peer for testing a sender, on a loopback socket. It can misbehave on purpose:
/// hold each packet <see cref="Hold"/> between T2 and T3, ignore every k-th test packet (a loss on the way out) and
/// drop every m-th reply after counting it (a loss on the way back).
/// </summary>
/// <remarks>
/// One thread receives and stamps T2 the moment a datagram is read; another sends each reply once its hold is over, so
/// that holding one packet does not delay the receipt of the next. T2 and T3 are <see cref="DateTime.UtcNow"/> in the
/// minimal sender's NTP conversion. It cannot read the received TTL (.NET sockets do not report it): it writes
/// <see cref="Ttl"/>.
/// </remarks>
internal sealed class MinimalStampReflector : IDisposable
{
    private readonly Socket _socket;
    private readonly BlockingCollection<(byte[] Reply, EndPoint To, DateTime Due)> _replies = [];
    private readonly Dictionary<(EndPoint, ushort), uint> _sessions = [];
    private readonly SemaphoreSlim _handled = new(0);
    private readonly Thread _receiver;
    private readonly Thread _sender;
    private int _testPackets;
    private int _counted;

    public MinimalStampReflector(AddressFamily family = AddressFamily.InterNetwork)
    {
        var loopback = family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        _socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(loopback, 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _receiver = new Thread(Receive) { IsBackground = true, Name = "Minimal STAMP reflector receive" };
        _sender = new Thread(Send) { IsBackground = true, Name = "Minimal STAMP reflector send" };
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Gets or sets a value indicating whether replies carry a count per session (4-tuple + SSID) instead of the sender's sequence.</summary>
    public bool Stateful { get; init; }

    /// <summary>Gets or sets how long each packet is held between T2 and T3.</summary>
    public TimeSpan Hold { get; init; }

    /// <summary>Gets or sets k: test packets k, 2k, ... (counting from 1) are ignored, as if lost on the way out. 0: none.</summary>
    public int IgnoreEvery { get; init; }

    /// <summary>Gets or sets m: replies m, 2m, ... are counted but not sent, as if lost on the way back. 0: none.</summary>
    public int DropEvery { get; init; }

    /// <summary>Gets or sets the Ses-Sender TTL written into every reply.</summary>
    public byte Ttl { get; init; } = 255;

    public int Ignored { get; private set; }

    public int Dropped { get; private set; }

    public int Sent { get; private set; }

    public int TooShort { get; private set; }

    /// <summary>The error estimate of T2 and T3: S = 0, Scale 0, Multiplier 1.</summary>
    public static ushort ErrorEstimate => 0x0001;

    public MinimalStampReflector Start()
    {
        _receiver.Start();
        _sender.Start();
        return this;
    }

    /// <summary>Waits until <paramref name="count"/> more datagrams were dealt with: ignored, too short, sent or dropped.</summary>
    public async Task WaitHandledAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (!await _handled.WaitAsync(TestTimeouts.Await))
            {
                throw new TimeoutException($"The reflector dealt with {i} of {count} datagrams within {TestTimeouts.Await} each.");
            }
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        _replies.CompleteAdding();
        _receiver.Join(TestTimeouts.Await);
        _sender.Join(TestTimeouts.Await);
        _replies.Dispose();
        _handled.Dispose();
    }

    private void Receive()
    {
        var buffer = new byte[65536];
        while (true)
        {
            EndPoint from = new IPEndPoint(EndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
            int length;
            try
            {
                length = _socket.ReceiveFrom(buffer, ref from);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            var received = DateTime.UtcNow;
            if (length < 44)
            {
                TooShort++;
                _handled.Release();
                continue;
            }

            if (IgnoreEvery > 0 && ++_testPackets % IgnoreEvery == 0)
            {
                Ignored++;
                _handled.Release();
                continue;
            }

            var reply = Reflect(buffer.AsSpan(0, length), from, MinimalStampSender.NtpTimestamp(received));
            _replies.Add((reply, from, received + Hold));
        }
    }

    /// <summary>The §4.3.1 reply, T3 left for the send.</summary>
    private byte[] Reflect(ReadOnlySpan<byte> test, EndPoint from, ulong t2)
    {
        var reply = test.ToArray();
        var senderSequence = BinaryPrimitives.ReadUInt32BigEndian(test);
        var ssid = BinaryPrimitives.ReadUInt16BigEndian(test[14..]);
        uint sequence;
        if (Stateful)
        {
            // The local address and port are this socket's: the sender's address, port and SSID tell sessions apart.
            _sessions.TryGetValue((from, ssid), out sequence);
            _sessions[(from, ssid)] = sequence + 1;
        }
        else
        {
            sequence = senderSequence;
        }

        reply.AsSpan(0, 44).Clear();
        BinaryPrimitives.WriteUInt32BigEndian(reply.AsSpan(0), sequence);
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(12), ErrorEstimate);
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(14), ssid);
        BinaryPrimitives.WriteUInt64BigEndian(reply.AsSpan(16), t2);
        test[..14].CopyTo(reply.AsSpan(24)); // Session-Sender Sequence Number, Timestamp, Error Estimate
        reply[40] = Ttl;
        return reply;
    }

    private void Send()
    {
        foreach (var (reply, to, due) in _replies.GetConsumingEnumerable())
        {
            // Wait out the hold on the wall clock T2 and T3 are read from (timers here tick every 4 ms: too coarse).
            while (DateTime.UtcNow < due)
            {
                Thread.Yield();
            }

            BinaryPrimitives.WriteUInt64BigEndian(reply.AsSpan(4), MinimalStampSender.NtpTimestamp(DateTime.UtcNow));
            if (DropEvery > 0 && ++_counted % DropEvery == 0)
            {
                Dropped++;
            }
            else
            {
                try
                {
                    _socket.SendTo(reply, to);
                    Sent++;
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }
            }

            _handled.Release();
        }
    }
}
