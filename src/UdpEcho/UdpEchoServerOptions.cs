using System.Net;
using System.Net.Sockets;

namespace UdpEcho;

/// <summary>Configures a <see cref="UdpEchoServer"/>. The server takes a copy when it is created: later changes do not affect it.</summary>
public sealed class UdpEchoServerOptions
{
    /// <summary>The largest payload a UDP datagram can carry over IPv4: 65,535 minus the 20-byte IP header and 8-byte UDP header.</summary>
    public const int MaxIPv4DatagramSize = 65507;

    /// <summary>The largest payload a UDP datagram can carry over IPv6 without jumbograms: 65,535 minus the 8-byte UDP header.</summary>
    public const int MaxIPv6DatagramSize = 65527;

    /// <summary>Gets or sets the local address to bind.</summary>
    /// <value>
    /// The default is <see cref="IPAddress.Loopback"/>, so that a server is reachable from other machines only when asked.
    /// Use <see cref="IPAddress.Any"/> for every IPv4 interface, or <see cref="IPAddress.IPv6Any"/> with <see cref="DualMode"/> for both families.
    /// </value>
    public IPAddress Address { get; set; } = IPAddress.Loopback;

    /// <summary>Gets or sets the local port to bind, from 0 to 65535.</summary>
    /// <value>The default is 0: the operating system picks a free port, which <see cref="IUdpEchoServer.LocalEndPoint"/> then shows.</value>
    public int Port { get; set; }

    /// <summary>Gets or sets a value indicating whether an IPv6 socket also serves IPv4 (through IPv4-mapped addresses).</summary>
    /// <value>The default is <see langword="false"/>. It may only be <see langword="true"/> when <see cref="Address"/> is an IPv6 address.</value>
    public bool DualMode { get; set; }

    /// <summary>Gets or sets the largest datagram the server echoes, in bytes. Larger datagrams are dropped whole, never echoed in part, and counted in <see cref="UdpEchoServerStatistics.DatagramsTruncated"/>.</summary>
    /// <value>The default is 65,527 (<see cref="MaxIPv6DatagramSize"/>), so every datagram that UDP can carry is echoed. The allowed range is 0 to 65,527.</value>
    public int MaxDatagramSize { get; set; } = MaxIPv6DatagramSize;

    /// <summary>Gets or sets the socket's receive buffer size in bytes (<c>SO_RCVBUF</c>); a larger buffer absorbs longer bursts.</summary>
    /// <value>The default is <see langword="null"/>: the operating system's default.</value>
    public int? ReceiveBufferSize { get; set; }

    /// <summary>Gets or sets the socket's send buffer size in bytes (<c>SO_SNDBUF</c>).</summary>
    /// <value>The default is <see langword="null"/>: the operating system's default.</value>
    public int? SendBufferSize { get; set; }

    internal IPEndPoint EndPoint => new(Address, Port);

    /// <summary>Checks every option and throws for the first invalid one.</summary>
    /// <exception cref="ArgumentException">An option is invalid. The message names the option and its value.</exception>
    public void Validate()
    {
        if (Address is null)
        {
            throw new ArgumentException($"{nameof(UdpEchoServerOptions)}.{nameof(Address)} must be set.", nameof(Address));
        }

        if (Address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentException($"{nameof(UdpEchoServerOptions)}.{nameof(Address)} must be an IPv4 or IPv6 address; it was {Address} ({Address.AddressFamily}).", nameof(Address));
        }

        if (Port is < IPEndPoint.MinPort or > IPEndPoint.MaxPort)
        {
            throw new ArgumentOutOfRangeException(nameof(Port), Port, $"{nameof(UdpEchoServerOptions)}.{nameof(Port)} must be from 0 to 65535; it was {Port}.");
        }

        if (DualMode && Address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException($"{nameof(UdpEchoServerOptions)}.{nameof(DualMode)} requires an IPv6 {nameof(Address)}; it was {Address}.", nameof(DualMode));
        }

        if (MaxDatagramSize is < 0 or > MaxIPv6DatagramSize)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDatagramSize), MaxDatagramSize, $"{nameof(UdpEchoServerOptions)}.{nameof(MaxDatagramSize)} must be from 0 to {MaxIPv6DatagramSize}; it was {MaxDatagramSize}.");
        }

        if (ReceiveBufferSize is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ReceiveBufferSize), ReceiveBufferSize, $"{nameof(UdpEchoServerOptions)}.{nameof(ReceiveBufferSize)} must be positive when set; it was {ReceiveBufferSize}.");
        }

        if (SendBufferSize is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(SendBufferSize), SendBufferSize, $"{nameof(UdpEchoServerOptions)}.{nameof(SendBufferSize)} must be positive when set; it was {SendBufferSize}.");
        }
    }

    internal UdpEchoServerOptions Clone() => (UdpEchoServerOptions)MemberwiseClone();
}
