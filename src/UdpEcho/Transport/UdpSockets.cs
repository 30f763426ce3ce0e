using System.Net;
using System.Net.Sockets;

namespace UdpEcho.Transport;

/// <summary>Creates and configures the UDP sockets both sides use, and turns socket errors into messages that name the endpoint.</summary>
internal static class UdpSockets
{
    // SIO_UDP_CONNRESET: without it, Windows reports an ICMP port unreachable for an earlier send as
    // WSAECONNRESET on the next receive, which would end a naive receive loop.
    private const int SioUdpConnReset = unchecked((int)0x9800000C);

    public static Socket Bind(IPEndPoint endPoint, bool dualMode, int? receiveBufferSize, int? sendBufferSize)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // Never SO_REUSEADDR: on Linux it would let two servers share a port silently instead of failing.
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = dualMode;
            }

            if (receiveBufferSize is int receive)
            {
                socket.ReceiveBufferSize = receive;
            }

            if (sendBufferSize is int send)
            {
                socket.SendBufferSize = send;
            }

            DisableConnectionResetReporting(socket);
            socket.Bind(endPoint);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw BindFailed(endPoint, e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sets <c>SO_RCVBUF</c> and <c>SO_SNDBUF</c> where given; the kernel may grant less (Linux caps them at <c>net.core.rmem_max</c> and <c>wmem_max</c>).</summary>
    /// <exception cref="UdpEchoException">The operating system refused a size outright.</exception>
    public static void SetBufferSizes(Socket socket, IPEndPoint remote, int? receiveBufferSize, int? sendBufferSize)
    {
        try
        {
            if (receiveBufferSize is int receive)
            {
                socket.ReceiveBufferSize = receive;
            }

            if (sendBufferSize is int send)
            {
                socket.SendBufferSize = send;
            }
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new UdpEchoException($"Cannot size the socket buffers for {remote} ({receiveBufferSize} bytes to receive, {sendBufferSize} to send): {e.Message} ({e.SocketErrorCode}).", e.SocketErrorCode, remote, e);
        }
    }

    public static void DisableConnectionResetReporting(Socket socket)
    {
        if (OperatingSystem.IsWindows())
        {
            socket.IOControl(SioUdpConnReset, [0, 0, 0, 0], null);
        }
    }

    public static UdpEchoException BindFailed(IPEndPoint endPoint, SocketException e)
    {
        var reason = e.SocketErrorCode switch
        {
            SocketError.AddressAlreadyInUse => "the address is already in use; another process (or another UdpEcho server) is bound to it",
            SocketError.AccessDenied => "access was denied; ports below 1024 need elevated privileges on most systems",
            SocketError.AddressNotAvailable => "the address is not assigned to any interface of this machine",
            _ => e.Message,
        };
        return new UdpEchoException($"Cannot bind UDP endpoint {endPoint}: {reason}.", e.SocketErrorCode, endPoint, e);
    }

    /// <summary>Errors a UDP socket reports for an earlier datagram (ICMP) or for a passing shortage; the socket stays usable after each.</summary>
    public static bool IsTransient(SocketError error) => error is
        SocketError.ConnectionReset or SocketError.ConnectionRefused or SocketError.NetworkReset or
        SocketError.MessageSize or SocketError.HostUnreachable or SocketError.NetworkUnreachable or
        SocketError.HostDown or SocketError.NetworkDown or SocketError.NoBufferSpaceAvailable or
        SocketError.TimedOut or SocketError.WouldBlock or SocketError.TryAgain or SocketError.Interrupted or
        SocketError.AccessDenied or SocketError.AddressNotAvailable;

    /// <summary>Errors that say nothing is listening at the destination of a connected socket.</summary>
    public static bool IsUnreachable(SocketError error) => error is
        SocketError.ConnectionRefused or SocketError.ConnectionReset or SocketError.HostUnreachable or
        SocketError.NetworkUnreachable or SocketError.HostDown or SocketError.NetworkDown;

    /// <summary>Turns a received socket address into an endpoint, showing IPv4-mapped IPv6 addresses as plain IPv4.</summary>
    public static IPEndPoint ToEndPoint(SocketAddress address)
    {
        var endPoint = (IPEndPoint)IPEndPointFactory.Create(address);
        return Normalize(endPoint);
    }

    public static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

    private static readonly IPEndPoint IPEndPointFactory = new(IPAddress.Any, 0);
}
