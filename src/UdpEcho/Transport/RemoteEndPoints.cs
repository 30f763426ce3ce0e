using System.Net;
using System.Net.Sockets;
using UdpEcho.Addressing;

namespace UdpEcho.Transport;

/// <summary>
/// The echo server's endpoint as the client and the benchmark take it: checked once with a message that names the
/// option, resolved once, and connected to with a socket of its own.
/// </summary>
internal static class RemoteEndPoints
{
    /// <summary>Throws for an endpoint that is not an IPv4 or IPv6 <see cref="IPEndPoint"/> or a <see cref="DnsEndPoint"/> with a port.</summary>
    /// <param name="endPoint">The endpoint to check.</param>
    /// <param name="option">How the message names the option, such as <c>UdpEchoClientOptions.RemoteEndPoint</c>.</param>
    public static void Validate(EndPoint? endPoint, string option)
    {
        const string Name = "RemoteEndPoint";
        switch (endPoint)
        {
            case null:
                throw new ArgumentException($"{option} must be set to the echo server's endpoint.", Name);
            case IPEndPoint ip when ip.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6):
                throw new ArgumentException($"{option} must be an IPv4 or IPv6 endpoint; it was {ip} ({ip.AddressFamily}).", Name);
            case IPEndPoint ip when ip.Port == 0:
                throw new ArgumentException($"{option} must name a port from 1 to 65535; it was {ip}.", Name);
            case DnsEndPoint dns when dns.Port == 0:
                throw new ArgumentException($"{option} must name a port from 1 to 65535; it was {dns.Host}:{dns.Port}.", Name);
            case IPEndPoint or DnsEndPoint:
                break;
            default:
                throw new ArgumentException($"{option} must be an IPEndPoint or a DnsEndPoint; it was a {endPoint.GetType().Name}.", Name);
        }
    }

    /// <summary>Resolves a validated endpoint to one address, IPv4 first, as most clients do.</summary>
    public static async ValueTask<IPEndPoint> ResolveAsync(EndPoint endPoint, CancellationToken cancellationToken)
    {
        switch (endPoint)
        {
            case IPEndPoint ip:
                // ::ffff:a.b.c.d on an IPv6-only socket cannot reach IPv4; an IPv4 socket can.
                return EndPoints.Normalize(ip);
            case DnsEndPoint dns:
                IPAddress[] addresses;
                try
                {
                    addresses = await Dns.GetHostAddressesAsync(dns.Host, dns.AddressFamily, cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException e)
                {
                    throw new UdpEchoException($"Cannot resolve the echo server's host name '{dns.Host}': {e.Message}", e.SocketErrorCode, dns, e);
                }

                var address = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
                    ?? addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetworkV6)
                    ?? throw new UdpEchoException($"The echo server's host name '{dns.Host}' resolved to no IPv4 or IPv6 address.", SocketError.HostNotFound, dns, null);
                return new IPEndPoint(address, dns.Port);
            default:
                throw new InvalidOperationException("Options were validated: RemoteEndPoint is an IPEndPoint or a DnsEndPoint.");
        }
    }

    /// <summary>Creates a UDP socket connected to <paramref name="remote"/>, bound first to <paramref name="local"/> if given.</summary>
    /// <exception cref="UdpEchoException">The local endpoint cannot be bound, or this host cannot send to <paramref name="remote"/> at all.</exception>
    public static Socket Connect(IPEndPoint remote, IPEndPoint? local)
    {
        var socket = new Socket(remote.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // Unlike the server, clients keep Windows' SIO_UDP_CONNRESET reporting on: on a connected socket that
            // report is the ICMP "port unreachable" that lets a run fail fast.
            if (local is not null)
            {
                try
                {
                    socket.Bind(local);
                }
                catch (SocketException e)
                {
                    throw UdpSockets.BindFailed(local, e);
                }
            }

            // Connecting a UDP socket sends nothing and returns at once; it fixes the peer, so the kernel filters
            // foreign datagrams and reports ICMP errors for it.
            try
            {
                socket.Connect(remote);
            }
            catch (SocketException e)
            {
                // It fails only for a destination this host cannot use at all (a broadcast address, an unconfigured
                // address family, no route).
                throw new UdpEchoException($"Cannot use {remote} as the echo server's address: {e.Message} ({e.SocketErrorCode}).", e.SocketErrorCode, remote, e);
            }

            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The error for a connected socket whose destination reported that nothing listens there.</summary>
    public static UdpEchoException Unreachable(IPEndPoint remote, SocketException e) =>
        new($"No UDP echo server is listening at {remote}: the destination reported it unreachable ({e.SocketErrorCode}).", e.SocketErrorCode, remote, e);
}
