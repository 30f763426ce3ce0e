using System.Net;

namespace UdpEcho;

/// <summary>
/// A UDP echo (RFC 862) server: every datagram it receives is sent back, unaltered, to its sender.
/// </summary>
/// <remarks>
/// The interface exists so that code which hosts or observes a server can be tested with a mock.
/// <see cref="UdpEchoServer"/> is the implementation.
/// </remarks>
public interface IUdpEchoServer : IAsyncDisposable
{
    /// <summary>
    /// Raised once for every datagram the server accepted for echoing, after the echo was handed to the operating
    /// system (or the send failed). Datagrams dropped before that, such as those larger than
    /// <see cref="UdpEchoServerOptions.MaxDatagramSize"/>, raise no event; they are counted in <see cref="GetStatistics"/>.
    /// </summary>
    /// <remarks>
    /// Because the echo goes first, a client may hold its reply before the handler has run; <see cref="StopAsync"/>
    /// returns only after every handler call has returned.
    /// Handlers run on the server's receive loop: a slow handler slows the server down. A handler that
    /// throws is logged and counted in <see cref="UdpEchoServerStatistics.SubscriberErrors"/>; it never
    /// stops the server or keeps other handlers from running. When no handler is attached, the server
    /// allocates nothing per datagram.
    /// </remarks>
    event EventHandler<UdpEchoMessageReceivedEventArgs>? MessageReceived;

    /// <summary>Gets the endpoint the server is bound to, with the real port when port 0 was asked for; <see langword="null"/> when the server is not running.</summary>
    IPEndPoint? LocalEndPoint { get; }

    /// <summary>Gets a value indicating whether the server is bound and echoing.</summary>
    bool IsRunning { get; }

    /// <summary>Binds the socket and starts echoing.</summary>
    /// <param name="cancellationToken">Cancels the start before the socket is bound.</param>
    /// <returns>A task that completes once the socket is bound and <see cref="LocalEndPoint"/> is set.</returns>
    /// <exception cref="InvalidOperationException">The server is already running.</exception>
    /// <exception cref="ObjectDisposedException">The server was disposed.</exception>
    /// <exception cref="UdpEchoException">The endpoint could not be bound, for example because the port is in use. The message names the endpoint.</exception>
    Task StartAsync(CancellationToken cancellationToken = default);

    /// <summary>Stops echoing and closes the socket, so that the port is free again as soon as the task completes.</summary>
    /// <param name="cancellationToken">Stops waiting for the receive loop to end; the socket is closed regardless.</param>
    /// <returns>A task that completes when the receive loop has ended. Stopping a server that is not running does nothing.</returns>
    Task StopAsync(CancellationToken cancellationToken = default);

    /// <summary>Takes a snapshot of the server's counters since it was created.</summary>
    /// <returns>A new, immutable snapshot.</returns>
    UdpEchoServerStatistics GetStatistics();
}
