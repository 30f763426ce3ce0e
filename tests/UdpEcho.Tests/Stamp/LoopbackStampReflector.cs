using System.Net;
using System.Net.Sockets;
using UdpEcho.Stamp;

namespace UdpEcho.Tests.Stamp;

/// <summary>
/// <see cref="StampReflector"/> on a loopback socket, the way an engine drives it: the raw <c>sockaddr</c> bytes of the
/// sender and of the local address, T2 read right after the receive, T3 written right before the send. The server
/// engines are not used, so that these tests prove the reflector's bytes alone. The TTL is unknown here.
/// </summary>
internal sealed class LoopbackStampReflector : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly StampReflector _reflector;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _rejected;

    public LoopbackStampReflector(StampReflectorMode mode, AddressFamily family = AddressFamily.InterNetwork)
    {
        var loopback = family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        _socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(loopback, 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _reflector = new StampReflector(mode, sessionCapacity: 16);
        _loop = Task.Run(RunAsync);
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Gets the datagrams <see cref="StampReflector.TryReflect"/> refused.</summary>
    public int Rejected => Volatile.Read(ref _rejected);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        await _loop.WaitAsync(TestTimeouts.Await);
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var buffer = new byte[65536];
        var sender = new SocketAddress(_socket.AddressFamily);
        var local = EndPoint.Serialize();
        while (!_stop.IsCancellationRequested)
        {
            int length;
            try
            {
                length = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, sender, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var received = NtpTimestamp.UtcNowUnixNanoseconds();
            var packet = buffer.AsMemory(0, length);
            if (!_reflector.TryReflect(packet.Span, sender.Buffer.Span[..sender.Size], local.Buffer.Span[..local.Size], received, ttl: -1))
            {
                Interlocked.Increment(ref _rejected);
                continue;
            }

            StampReflector.WriteTransmitTimestamp(packet.Span);
            try
            {
                await _socket.SendToAsync(packet, SocketFlags.None, sender, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
        }
    }
}
