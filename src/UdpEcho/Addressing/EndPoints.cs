using System.Net;

namespace UdpEcho.Addressing;

/// <summary>Turns the addresses sockets report into the endpoints users see: IPv4-mapped IPv6 addresses shown as plain IPv4.</summary>
internal static class EndPoints
{
    private static readonly IPEndPoint Factory = new(IPAddress.Any, 0);

    /// <summary>Turns a received socket address into an endpoint, showing IPv4-mapped IPv6 addresses as plain IPv4.</summary>
    public static IPEndPoint ToEndPoint(SocketAddress address) => Normalize((IPEndPoint)Factory.Create(address));

    public static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;
}
