using System.Net;
using System.Net.Sockets;
using UdpEcho.Transport.Linux;

namespace UdpEcho.Transport;

/// <summary>What a socket's buffers were asked to be, and what the kernel granted (in the units it was asked in).</summary>
internal readonly record struct SocketBuffers(int ReceiveRequested, int ReceiveGranted, int SendRequested, int SendGranted)
{
    public bool ReceiveCapped => ReceiveGranted < ReceiveRequested;

    public bool SendCapped => SendGranted < SendRequested;
}

/// <summary>Creates and configures the UDP sockets both sides use, and turns socket errors into messages that name the endpoint.</summary>
internal static class UdpSockets
{
    // SIO_UDP_CONNRESET: without it, Windows reports an ICMP port unreachable for an earlier send as
    // WSAECONNRESET on the next receive, which would end a naive receive loop.
    private const int SioUdpConnReset = unchecked((int)0x9800000C);

    /// <summary>Servers of this process bind their groups one at a time: two could otherwise probe a port in between.</summary>
    private static readonly object GroupGate = new();

    /// <summary>
    /// Binds the server's sockets: one, or on Linux with <paramref name="count"/> above one, a <c>SO_REUSEPORT</c> group of
    /// <paramref name="count"/> sockets on the same endpoint, among which the kernel spreads senders by flow (each sender's
    /// datagrams always reach the same socket). Elsewhere the one socket is shared by every loop.
    /// </summary>
    /// <remarks>
    /// Sockets that all set <c>SO_REUSEPORT</c> would quietly share a port with any other socket of the same user that
    /// sets it too, so the endpoint is first bound by a plain socket: if anything holds it, that fails as
    /// "address in use", exactly as with one loop. With port 0, that bind also picks the port the group then takes.
    /// Another process could still slip its own group in between the probe and the group's bind: so once bound, the
    /// kernel's socket table (<c>/proc/net/udp</c>) must show no socket on the endpoint but the group's own.
    /// </remarks>
    public static Socket[] BindGroup(IPEndPoint endPoint, bool dualMode, int count, int receiveBuffer, int sendBuffer, out SocketBuffers buffers)
    {
        if (count <= 1 || !OperatingSystem.IsLinux())
        {
            var single = Bind(endPoint, dualMode, receiveBuffer, sendBuffer, reusePort: false, out buffers);
            return [single];
        }

        var sockets = new Socket[count];
        buffers = default;
        try
        {
            IPEndPoint target;
            lock (GroupGate)
            {
                using (var probe = Bind(endPoint, dualMode, receiveBuffer: 0, sendBuffer: 0, reusePort: false, out _))
                {
                    target = new IPEndPoint(endPoint.Address, ((IPEndPoint)probe.LocalEndPoint!).Port);
                }

                for (var i = 0; i < count; i++)
                {
                    sockets[i] = Bind(target, dualMode, receiveBuffer, sendBuffer, reusePort: true, out buffers);
                }
            }

            if (KernelSockets.OthersOn(target, sockets))
            {
                throw BindFailed(target, new SocketException((int)SocketError.AddressAlreadyInUse));
            }

            return sockets;
        }
        catch
        {
            foreach (var socket in sockets)
            {
                socket?.Dispose();
            }

            throw;
        }
    }

    /// <summary>Binds one socket; buffer sizes of 0 leave the operating system's defaults.</summary>
    public static Socket Bind(IPEndPoint endPoint, bool dualMode, int receiveBuffer, int sendBuffer, bool reusePort, out SocketBuffers buffers)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // Never SO_REUSEADDR (.NET's ReuseAddress sets SO_REUSEPORT too on Linux): it would let two servers share
            // a port silently instead of failing. Only the group above sets SO_REUSEPORT, after its own check.
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = dualMode;
            }

            buffers = SetBuffers(socket, receiveBuffer, sendBuffer);
            if (reusePort)
            {
                SetOption(socket, LinuxSockets.SolSocket, LinuxSockets.SoReusePort, 1);
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

    /// <summary>Sets an integer socket option by its raw level and name (Linux numbering).</summary>
    public static void SetOption(Socket socket, int level, int name, int value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(int)];
        BitConverter.TryWriteBytes(bytes, value);
        socket.SetRawSocketOption(level, name, bytes);
    }

    /// <summary>
    /// Asks the kernel to attach each datagram's receive time (<c>SO_TIMESTAMPNS</c>) and its TTL or hop limit
    /// (<c>IP_RECVTTL</c>, <c>IPV6_RECVHOPLIMIT</c>; both on an IPv6 socket, which may carry IPv4-mapped traffic) as
    /// control messages. Linux only; each option is a best effort.
    /// </summary>
    public static void EnableReceiveTimeAndTtl(Socket socket)
    {
        TrySetOption(socket, LinuxSockets.SolSocket, LinuxSockets.SoTimestampNs);
        TrySetOption(socket, LinuxSockets.IPProtoIP, LinuxSockets.IPRecvTtl);
        if (socket.AddressFamily == AddressFamily.InterNetworkV6)
        {
            TrySetOption(socket, LinuxSockets.IPProtoIPv6, LinuxSockets.IPv6RecvHopLimit);
        }

        static void TrySetOption(Socket socket, int level, int name)
        {
            try
            {
                SetOption(socket, level, name, 1);
            }
            catch (SocketException)
            {
                // Without it the reflector says the TTL is unknown (255), or takes the time itself.
            }
        }
    }

    /// <summary>
    /// Reads how many datagrams the kernel has dropped for <paramref name="socket"/> because its receive buffer was full
    /// (<c>SO_MEMINFO</c>'s drop count, the counter <c>SO_RXQ_OVFL</c> reports); -1 where the system cannot tell.
    /// </summary>
    public static long ReadKernelDrops(Socket socket)
    {
        if (!OperatingSystem.IsLinux())
        {
            return -1;
        }

        // struct sk_meminfo: nine u32 (SK_MEMINFO_VARS); SK_MEMINFO_DROPS is the ninth.
        Span<byte> info = stackalloc byte[9 * sizeof(uint)];
        try
        {
            var length = socket.GetRawSocketOption(LinuxSockets.SolSocket, LinuxSockets.SoMemInfo, info);
            return length >= info.Length ? BitConverter.ToUInt32(info[(8 * sizeof(uint))..]) : -1;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return -1;
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

    /// <summary>Asks for the buffer sizes (0: keep the default) and reads back what the kernel granted.</summary>
    private static SocketBuffers SetBuffers(Socket socket, int receive, int send)
    {
        if (receive > 0)
        {
            socket.ReceiveBufferSize = receive;
        }

        if (send > 0)
        {
            socket.SendBufferSize = send;
        }

        // Linux doubles what it grants (room for its own bookkeeping) and reports the doubled figure.
        var scale = OperatingSystem.IsLinux() ? 2 : 1;
        return new SocketBuffers(
            receive,
            receive > 0 ? socket.ReceiveBufferSize / scale : 0,
            send,
            send > 0 ? socket.SendBufferSize / scale : 0);
    }
}
