using System.Net;

namespace UdpEcho;

/// <summary>Describes one datagram that a server or client received.</summary>
public sealed class UdpEchoMessageReceivedEventArgs : EventArgs
{
    /// <summary>Initializes a new instance of the <see cref="UdpEchoMessageReceivedEventArgs"/> class.</summary>
    /// <param name="remoteEndPoint">Where the datagram came from.</param>
    /// <param name="payload">The datagram's bytes.</param>
    /// <exception cref="ArgumentNullException"><paramref name="remoteEndPoint"/> is <see langword="null"/>.</exception>
    public UdpEchoMessageReceivedEventArgs(IPEndPoint remoteEndPoint, ReadOnlyMemory<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        RemoteEndPoint = remoteEndPoint;
        Payload = payload;
    }

    /// <summary>Initializes a new instance of the <see cref="UdpEchoMessageReceivedEventArgs"/> class for a datagram a client classified.</summary>
    /// <param name="remoteEndPoint">Where the datagram came from.</param>
    /// <param name="payload">The datagram's bytes.</param>
    /// <param name="kind">What the datagram turned out to be.</param>
    /// <exception cref="ArgumentNullException"><paramref name="remoteEndPoint"/> is <see langword="null"/>.</exception>
    public UdpEchoMessageReceivedEventArgs(IPEndPoint remoteEndPoint, ReadOnlyMemory<byte> payload, UdpEchoMessageKind kind)
        : this(remoteEndPoint, payload)
    {
        Kind = kind;
    }

    /// <summary>Gets the sender's endpoint. An IPv4 sender reaching a dual-stack socket is shown as a plain IPv4 address, never as <c>::ffff:a.b.c.d</c>.</summary>
    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>Gets the datagram's bytes. The memory is a copy that belongs to the handler: it stays valid after the handler returns.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>
    /// Gets what a client made of the datagram: the <see cref="UdpEchoMessageKind.Echo"/> that completed a call, or why it
    /// completed none. A server's datagrams are <see cref="UdpEchoMessageKind.None"/>.
    /// </summary>
    public UdpEchoMessageKind Kind { get; }
}
