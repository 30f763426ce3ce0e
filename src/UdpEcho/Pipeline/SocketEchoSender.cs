using System.Net;
using System.Net.Sockets;
using UdpEcho.Transport;

namespace UdpEcho.Pipeline;

/// <summary>Sends delayed echoes from outside the loops, through the managed socket (thread-safe, and blocking when the send buffer is full).</summary>
internal sealed class SocketEchoSender(Socket socket) : IEchoSender
{
    public SocketError SendTo(ReadOnlySpan<byte> payload, SocketAddress remote)
    {
        try
        {
            socket.SendTo(payload, SocketFlags.None, remote);
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
        catch (ObjectDisposedException)
        {
            // The server closed the socket under a stop that could not wait.
            return SocketError.OperationAborted;
        }
    }
}
