using System.Net;
using System.Net.Sockets;

namespace UdpEcho.Tests.Client;

/// <summary>
/// The smallest echo server that allocates nothing per datagram, in any build configuration: one async loop (its state
/// machine is allocated once) over the <see cref="SocketAddress"/> overloads. <see cref="UdpEchoServer"/> is not that in
/// a Debug build, where the compiler makes each call of its per-datagram async send method allocate a state machine.
/// </summary>
internal sealed class AllocationFreeEchoPeer : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Task _loop;

    public AllocationFreeEchoPeer()
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _loop = Task.Run(EchoAsync);
    }

    public IPEndPoint EndPoint { get; }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        await _loop;
    }

    private async Task EchoAsync()
    {
        var buffer = new byte[65536];
        var remote = new SocketAddress(AddressFamily.InterNetwork);
        try
        {
            while (true)
            {
                var received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, remote);
                await _socket.SendToAsync(buffer.AsMemory(0, received), SocketFlags.None, remote);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Disposed: the normal way out.
        }
    }
}
