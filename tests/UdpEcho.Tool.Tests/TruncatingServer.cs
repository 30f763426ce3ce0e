using System.Net;
using System.Net.Sockets;

namespace UdpEcho.Tool.Tests;

/// <summary>An echo server on loopback that sends back only the first bytes of each datagram, as xinetd's echo keeps 2048 and the original C server 511.</summary>
internal sealed class TruncatingServer : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly Thread _thread;

    public TruncatingServer(int keep)
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _thread = new Thread(() =>
        {
            var buffer = new byte[65536];
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            try
            {
                while (true)
                {
                    var received = _socket.ReceiveFrom(buffer, ref from);
                    _socket.SendTo(buffer.AsSpan(0, Math.Min(received, keep)), SocketFlags.None, from);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Disposed: the test is over.
            }
        })
        {
            IsBackground = true,
            Name = "truncating echo",
        };
        _thread.Start();
    }

    public IPEndPoint EndPoint { get; }

    public void Dispose() => _socket.Dispose();
}
