using System.Net;
using System.Net.Sockets;

namespace UdpEcho;

/// <summary>
/// A socket operation of a UDP echo server or client failed in a way the caller must act on: an endpoint that
/// cannot be bound, a destination where nothing listens, a host name that does not resolve.
/// </summary>
/// <remarks>The message names the endpoint; <see cref="Exception.InnerException"/> holds the original <see cref="SocketException"/> where there was one.</remarks>
public sealed class UdpEchoException : IOException
{
    /// <summary>Initializes a new instance of the <see cref="UdpEchoException"/> class.</summary>
    public UdpEchoException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UdpEchoException"/> class with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public UdpEchoException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UdpEchoException"/> class with a message and a cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public UdpEchoException(string message, Exception? innerException)
        : base(message, innerException)
    {
        SocketErrorCode = (innerException as SocketException)?.SocketErrorCode ?? SocketError.SocketError;
    }

    /// <summary>Initializes a new instance of the <see cref="UdpEchoException"/> class for an operation on <paramref name="endPoint"/>.</summary>
    /// <param name="message">What went wrong, naming the endpoint.</param>
    /// <param name="socketErrorCode">The socket error behind it.</param>
    /// <param name="endPoint">The endpoint the operation was for.</param>
    /// <param name="innerException">The cause.</param>
    public UdpEchoException(string message, SocketError socketErrorCode, EndPoint? endPoint, Exception? innerException)
        : base(message, innerException)
    {
        SocketErrorCode = socketErrorCode;
        EndPoint = endPoint;
    }

    /// <summary>Gets the socket error behind the failure, for example <see cref="SocketError.AddressAlreadyInUse"/> or <see cref="SocketError.ConnectionRefused"/>.</summary>
    public SocketError SocketErrorCode { get; } = SocketError.SocketError;

    /// <summary>Gets the endpoint the failed operation was for: the local endpoint of a bind, the remote endpoint of a send.</summary>
    public EndPoint? EndPoint { get; }
}
