using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using UdpEcho.Client;
using UdpEcho.Correlation;
using UdpEcho.Diagnostics;
using UdpEcho.Transport;

namespace UdpEcho;

/// <summary>
/// A client for any UDP echo (RFC 862) server. One client owns one connected socket and one receive loop; many
/// <see cref="SendAndReceiveAsync(ReadOnlyMemory{byte}, CancellationToken)"/> calls may run on it at once, each
/// completed by its own echo.
/// </summary>
/// <remarks>
/// <para>
/// The socket is connected to the server, so the operating system filters out datagrams from anyone else and
/// reports an ICMP "port unreachable" as an error: calls then fail at once with a <see cref="UdpEchoException"/>
/// instead of waiting out every timeout.
/// </para>
/// <para>
/// In steady state a call allocates nothing: the awaited operation, its timer and its send continuation are pooled,
/// and the reply's payload is the caller's own memory.
/// </para>
/// </remarks>
public sealed class UdpEchoClient : IUdpEchoClient
{
    private readonly UdpEchoClientOptions _options;
    private readonly ILogger _logger;
    private readonly UdpEchoMetrics _metrics;
    private readonly ClientCounters _counters = new();
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private readonly LogThrottle _subscriberErrors = new(TimeSpan.FromSeconds(5));
    private ClientConnection? _connection;
    private int _resolutions;
    private volatile bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="UdpEchoClient"/> class. The socket is created on the first call.</summary>
    /// <param name="options">The client's options. They are validated and copied.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public UdpEchoClient(UdpEchoClientOptions options)
        : this(options, null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UdpEchoClient"/> class that logs through <paramref name="loggerFactory"/>.</summary>
    /// <param name="options">The client's options. They are validated and copied.</param>
    /// <param name="loggerFactory">Where to log, or <see langword="null"/> for no logging.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public UdpEchoClient(UdpEchoClientOptions options, ILoggerFactory? loggerFactory)
        : this(options, loggerFactory, null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UdpEchoClient"/> class that logs through <paramref name="loggerFactory"/> and measures through <paramref name="meterFactory"/>.</summary>
    /// <param name="options">The client's options. They are validated and copied.</param>
    /// <param name="loggerFactory">Where to log, or <see langword="null"/> for no logging.</param>
    /// <param name="meterFactory">Where the <c>UdpEcho</c> meter comes from (dependency injection supplies one), or <see langword="null"/> for a process-wide meter.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public UdpEchoClient(UdpEchoClientOptions options, ILoggerFactory? loggerFactory, IMeterFactory? meterFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options.Clone();
        _logger = loggerFactory?.CreateLogger<UdpEchoClient>() ?? (ILogger)NullLogger.Instance;
        _metrics = UdpEchoMetrics.Create(meterFactory);
    }

    /// <inheritdoc />
    public event EventHandler<UdpEchoMessageReceivedEventArgs>? MessageReceived;

    /// <inheritdoc />
    public EndPoint RemoteEndPoint => _options.RemoteEndPoint!;

    /// <summary>Gets the local endpoint of the client's socket, or <see langword="null"/> before the first call.</summary>
    public IPEndPoint? LocalEndPoint => Volatile.Read(ref _connection)?.LocalEndPoint;

    internal int PendingCount => Volatile.Read(ref _connection)?.Calls.Count ?? 0;

    internal int QueuedCount => Volatile.Read(ref _connection)?.Calls.Queued ?? 0;

    /// <summary>Gets how many times the remote endpoint was resolved (or, for an address, taken), for tests.</summary>
    internal int Resolutions => Volatile.Read(ref _resolutions);

    /// <summary>Gets the connection calls go out on, for tests that break it.</summary>
    internal ClientConnection? Connection => Volatile.Read(ref _connection);

    /// <summary>Gets the receive buffer size the socket was granted, for tests; 0 before the first call.</summary>
    internal int ReceiveBufferSize => Volatile.Read(ref _connection)?.Socket.ReceiveBufferSize ?? 0;

    /// <inheritdoc />
    public ValueTask<UdpEchoReply> SendAndReceiveAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        if (_disposed)
        {
            return ValueTask.FromException<UdpEchoReply>(new ObjectDisposedException(nameof(UdpEchoClient)));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<UdpEchoReply>(cancellationToken);
        }

        if (payload.Length > UdpEchoServerOptions.MaxIPv6DatagramSize - Overhead)
        {
            return ValueTask.FromException<UdpEchoReply>(TooLarge(payload.Length, UdpEchoServerOptions.MaxIPv6DatagramSize, "over IPv6"));
        }

        // Steady state: connected, so no await here and nothing allocated; the first call connects, and a call after a
        // fault or a failure looks again.
        return Volatile.Read(ref _connection) is { Stale: false } connection
            ? Start(connection, payload, cancellationToken)
            : ConnectAndStartAsync(payload, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<UdpEchoProbeResult> ProbeAsync(UdpEchoProbeOptions options, IProgress<UdpEchoProbeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var probeOptions = options.Clone();
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();

        var connection = await ConnectAsyncCore(cancellationToken).ConfigureAwait(false);
        if (connection.Fault is { } fault)
        {
            throw fault;
        }

        if (connection.Remote.AddressFamily == AddressFamily.InterNetwork && probeOptions.Size > UdpEchoServerOptions.MaxIPv4DatagramSize)
        {
            throw new ArgumentException($"{nameof(UdpEchoProbeOptions)}.{nameof(UdpEchoProbeOptions.Size)} is {probeOptions.Size} bytes; a UDP datagram to the IPv4 endpoint {connection.Remote} carries at most {UdpEchoServerOptions.MaxIPv4DatagramSize}.", nameof(options));
        }

        var probe = connection.StartProbe(probeOptions, _options.TimeProvider, progress);
        try
        {
            var result = await probe.RunAsync(cancellationToken).ConfigureAwait(false);
            Log.ProbeCompleted(_logger, connection.Remote, result.Sent, result.Received, result.LossPercent, result.RoundTrip.P50.TotalMicroseconds);
            return result;
        }
        finally
        {
            connection.EndProbe(probe);
        }
    }

    /// <summary>
    /// Opens the socket now, as the first call would (resolves a host name, binds, connects, starts the receive thread
    /// and readies the call path), without sending anything, so that the first call then starts with its send.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting; the socket may still be opened.</param>
    /// <returns>A task that completes when the client is ready.</returns>
    /// <remarks>
    /// Optional: every call connects first if need be, and its round trip never includes it. Useful in a test's setup,
    /// or before a single timed call, so that nothing but the call runs on the caller's thread while its echo is on
    /// its way (on a machine with few cores, work of the caller's own competes with the echo for a core).
    /// </remarks>
    /// <exception cref="UdpEchoException">The host name does not resolve, or the local endpoint cannot be bound.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _ = await ConnectAsyncCore(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public UdpEchoClientStatistics GetStatistics() => _counters.Snapshot();

    /// <summary>Closes the socket. Every call still in flight completes at once with an <see cref="ObjectDisposedException"/>.</summary>
    /// <returns>A task that completes when the receive loop has ended.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (Interlocked.Exchange(ref _connection, null) is { } connection)
        {
            await connection.CloseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Raises <see cref="MessageReceived"/> on the receive loop; a throwing handler is logged and ignored.</summary>
    internal void RaiseMessageReceived(IPEndPoint remote, ReadOnlySpan<byte> payload, UdpEchoMessageKind kind)
    {
        var handlers = MessageReceived;
        if (handlers is null)
        {
            return;
        }

        // Handlers get their own copy: the receive buffer is overwritten by the next datagram.
        var args = new UdpEchoMessageReceivedEventArgs(remote, payload.ToArray(), kind);
        Subscribers.Invoke(handlers, this, args, this, static (client, e) =>
        {
            if (client._subscriberErrors.TryEnter(out var suppressed))
            {
                Log.ClientSubscriberFailed(client._logger, e, suppressed);
            }
        });
    }

    private int Overhead => _options.Matching == UdpEchoMatching.Tagged ? EchoTag.Length : 0;

    private static ArgumentException TooLarge(int length, int max, string where) =>
        new($"The payload is {length} bytes; a UDP datagram carries at most {max} bytes {where}, less {EchoTag.Length} for the tag in tagged mode.", "payload");

    private ValueTask<UdpEchoReply> Start(ClientConnection connection, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (connection.Remote.AddressFamily == AddressFamily.InterNetwork && payload.Length > UdpEchoServerOptions.MaxIPv4DatagramSize - Overhead)
        {
            return ValueTask.FromException<UdpEchoReply>(TooLarge(payload.Length, UdpEchoServerOptions.MaxIPv4DatagramSize, $"to the IPv4 endpoint {connection.Remote}"));
        }

        if (connection.Fault is { } fault)
        {
            return ValueTask.FromException<UdpEchoReply>(fault);
        }

        return connection.Calls.Start(payload, cancellationToken);
    }

    private async ValueTask<UdpEchoReply> ConnectAndStartAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var connection = await ConnectAsyncCore(cancellationToken).ConfigureAwait(false);
        return await Start(connection, payload, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Returns the connection calls go out on, making one when there is none, when the last one faulted, or when a
    /// failure asked for the host name to be resolved again and it now resolves elsewhere.
    /// </summary>
    private async ValueTask<ClientConnection> ConnectAsyncCore(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _connection) is { Stale: false } existing)
        {
            return existing;
        }

        await _connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var previous = _connection;
            if (previous is { Stale: false })
            {
                return previous;
            }

            IPEndPoint remote;
            try
            {
                remote = await RemoteEndPoints.ResolveAsync(_options.RemoteEndPoint!, cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref _resolutions);
            }
            catch (UdpEchoException) when (previous is { Fault: null })
            {
                // The name does not resolve just now: keep talking to the address it had.
                previous.Refreshed();
                return previous;
            }

            if (previous is { Fault: null } && remote.Equals(previous.Remote))
            {
                previous.Refreshed();
                return previous;
            }

            var socket = RemoteEndPoints.Connect(remote, _options.LocalEndPoint);
            UdpSockets.SetBufferSizes(socket, remote, _options.ReceiveBufferSize, _options.SendBufferSize);
            var connection = new ClientConnection(this, socket, remote, _options, _logger, _metrics, _counters);
            await connection.StartAsync().ConfigureAwait(false);
            Interlocked.Exchange(ref _connection, connection);
            if (_disposed)
            {
                // DisposeAsync ran while we connected and found nothing to close: close it here.
                Interlocked.CompareExchange(ref _connection, null, connection);
                await connection.CloseAsync().ConfigureAwait(false);
                throw new ObjectDisposedException(nameof(UdpEchoClient));
            }

            if (previous is not null)
            {
                // Its calls and probes failed with the fault already, or were sent to an address the name has left.
                await previous.CloseAsync(new UdpEchoException(
                    $"The UDP echo client opened a new socket to {remote}; this call, sent to {previous.Remote} on the old one, was abandoned.",
                    SocketError.OperationAborted,
                    previous.Remote,
                    previous.Fault)).ConfigureAwait(false);
            }

            Log.ClientConnected(_logger, connection.LocalEndPoint, remote);
            return connection;
        }
        finally
        {
            _connectGate.Release();
        }
    }
}
