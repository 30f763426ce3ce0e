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
    /// system (or the send failed); with an impairment simulation, once it has decided the echo's fate. Datagrams
    /// dropped before that, such as those larger than <see cref="UdpEchoServerOptions.MaxDatagramSize"/>, raise no
    /// event; they are counted in <see cref="GetStatistics"/>.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Handlers never run concurrently with one another for one server, whatever <see cref="UdpEchoServerOptions.ReceiveLoops"/>
    /// is, and each sender's datagrams are raised in the order they were received (a sender's datagrams always reach the
    /// same receive loop). So a handler may update plain state, such as a <see cref="List{T}"/>, without a lock of its
    /// own, as long as nothing else touches that state meanwhile.
    /// </para>
    /// <para>
    /// Because the echo goes first, a client may hold its reply before the handler has run; <see cref="StopAsync"/>
    /// returns only after every handler call has returned. Handlers run on the server's receive loops: a slow handler
    /// slows the server down. A handler that throws is logged and counted in
    /// <see cref="UdpEchoServerStatistics.SubscriberErrors"/>; it never stops the server or keeps other handlers from
    /// running. When no handler is attached, the server allocates nothing per datagram.
    /// </para>
    /// <para>
    /// A STAMP reflector (<see cref="UdpEchoServerOptions.StampMode"/>) rewrites each test packet into its reply in place:
    /// the event's payload is then the reply as sent (for a reply sent at once) or as built before its delay (for one the
    /// impairment simulation holds), not the test packet as received.
    /// </para>
    /// </remarks>
    event EventHandler<UdpEchoMessageReceivedEventArgs>? MessageReceived;

    /// <summary>Gets the endpoint the server is bound to, with the real port when port 0 was asked for; <see langword="null"/> when the server is not running.</summary>
    /// <remarks>It stays set while a stop is in progress, until the socket is closed.</remarks>
    IPEndPoint? LocalEndPoint { get; }

    /// <summary>Gets a value indicating whether the server is bound and echoing (or stopping, with its socket still open).</summary>
    bool IsRunning { get; }

    /// <summary>Binds the socket and starts echoing.</summary>
    /// <param name="cancellationToken">Cancels the start before the socket is bound.</param>
    /// <returns>A task that completes once the socket is bound and <see cref="LocalEndPoint"/> is set.</returns>
    /// <exception cref="InvalidOperationException">The server is already running, or still stopping.</exception>
    /// <exception cref="ObjectDisposedException">The server was disposed.</exception>
    /// <exception cref="UdpEchoException">The endpoint could not be bound, for example because the port is in use. The message names the endpoint.</exception>
    Task StartAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Stops echoing and closes the socket, so that the port is free again as soon as the task completes. Delayed echoes
    /// (an impairment simulation) are sent first, for up to <see cref="UdpEchoServerOptions.ShutdownTimeout"/>.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting; the stop goes on, and the socket is closed when it is done.</param>
    /// <returns>
    /// A task that completes when the socket is closed. Stopping a server that is not running does nothing. Concurrent
    /// calls (and <see cref="IAsyncDisposable.DisposeAsync"/>) share one stop and all complete when it does.
    /// </returns>
    Task StopAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Changes the impairment simulation of this server, running or not, from the next datagram on: for example, loss of
    /// 1.0 to simulate an outage in the middle of a test, then back. Thread-safe. Echoes already queued keep the delay
    /// they were given.
    /// </summary>
    /// <param name="impairment">The new settings. They are validated and copied; an empty instance turns impairment off.</param>
    /// <exception cref="ArgumentNullException"><paramref name="impairment"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    void SetImpairment(UdpEchoImpairmentOptions impairment);

    /// <summary>Takes a snapshot of the server's counters since it was created.</summary>
    /// <returns>A new, immutable snapshot.</returns>
    UdpEchoServerStatistics GetStatistics();
}
