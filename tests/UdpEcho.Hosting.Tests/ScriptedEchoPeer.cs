using System.Net;
using System.Net.Sockets;

namespace UdpEcho.Hosting.Tests;

/// <summary>
/// A loopback UDP socket that answers the Nth datagram it receives with whatever <c>answer(n, datagram)</c> returns,
/// or not at all for <see langword="null"/>: an echo server that lies or loses, to check what a health check makes of it.
/// </summary>
internal sealed class ScriptedEchoPeer : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly Task _loop;

    public ScriptedEchoPeer(Func<int, byte[], byte[]?> answer)
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _loop = Task.Run(() => AnswerAsync(answer));
    }

    public IPEndPoint EndPoint { get; }

    public void Dispose()
    {
        _socket.Dispose();
        _loop.Wait(TestTimeouts.Await);
    }

    private async Task AnswerAsync(Func<int, byte[], byte[]?> answer)
    {
        var buffer = new byte[65536];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        try
        {
            for (var n = 0; ; n++)
            {
                var received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, from);
                if (answer(n, buffer[..received.ReceivedBytes]) is { } reply)
                {
                    await _socket.SendToAsync(reply, SocketFlags.None, received.RemoteEndPoint);
                }
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            // Disposed: the test is over.
        }
    }
}
