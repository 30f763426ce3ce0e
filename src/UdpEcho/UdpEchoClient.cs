using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using UdpEcho.Correlation;
using UdpEcho.Diagnostics;
using UdpEcho.Transport;

namespace UdpEcho;

/// <summary>
/// A client for any UDP echo (RFC 862) server. One client owns one connected socket and one receive loop; many
/// <see cref="SendAndReceiveAsync(ReadOnlyMemory{byte}, CancellationToken)"/> calls may run on it at once.
/// </summary>
/// <remarks>
/// The socket is connected to the server, so the operating system filters out datagrams from anyone else and
/// reports an ICMP "port unreachable" as an error: calls then fail at once with a <see cref="UdpEchoException"/>
/// instead of waiting out every timeout.
/// </remarks>
public sealed class UdpEchoClient : IUdpEchoClient
{
    // Larger than any UDP payload, so no echo is ever cut short.
    private const int ReceiveBufferLength = 65536;

    private readonly UdpEchoClientOptions _options;
    private readonly ILogger _logger;
    private readonly UdpEchoMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly PendingEchoTable _pending = new();
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private readonly CancellationTokenSource _disposed = new();
    private readonly LogThrottle _subscriberErrors = new(TimeSpan.FromSeconds(5));
    private Connection? _connection;
    private long _unmatched;

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
        _time = _options.TimeProvider;
        _logger = loggerFactory?.CreateLogger<UdpEchoClient>() ?? (ILogger)NullLogger.Instance;
        _metrics = UdpEchoMetrics.Create(meterFactory);
    }

    /// <inheritdoc />
    public event EventHandler<UdpEchoMessageReceivedEventArgs>? MessageReceived;

    /// <inheritdoc />
    public EndPoint RemoteEndPoint => _options.RemoteEndPoint!;

    /// <summary>Gets the local endpoint of the client's socket, or <see langword="null"/> before the first call.</summary>
    public IPEndPoint? LocalEndPoint => Volatile.Read(ref _connection)?.LocalEndPoint;

    /// <summary>Gets the number of datagrams that arrived but completed no call: late echoes, duplicates, and corrupted or foreign datagrams.</summary>
    public long UnmatchedDatagrams => Interlocked.Read(ref _unmatched);

    internal int PendingCount => _pending.Count;

    /// <inheritdoc />
    public async ValueTask<UdpEchoReply> SendAndReceiveAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (payload.Length > UdpEchoServerOptions.MaxIPv6DatagramSize)
        {
            throw new ArgumentException($"The payload is {payload.Length} bytes; a UDP datagram carries at most {UdpEchoServerOptions.MaxIPv6DatagramSize} bytes over IPv6 and {UdpEchoServerOptions.MaxIPv4DatagramSize} over IPv4.", nameof(payload));
        }

        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        if (connection.Remote.AddressFamily == AddressFamily.InterNetwork && payload.Length > UdpEchoServerOptions.MaxIPv4DatagramSize)
        {
            throw new ArgumentException($"The payload is {payload.Length} bytes; a UDP datagram to the IPv4 endpoint {connection.Remote} carries at most {UdpEchoServerOptions.MaxIPv4DatagramSize} bytes.", nameof(payload));
        }

        if (connection.Fault is { } fault)
        {
            throw fault;
        }

        var pending = _pending.Add(payload);
        try
        {
            var attempts = 1 + _options.Retries;
            for (var attempt = 1; ; attempt++)
            {
                pending.SentTimestamp = _time.GetTimestamp();
                await SendAsync(connection, payload, cancellationToken).ConfigureAwait(false);
                try
                {
                    var (echo, received) = await pending.Completion.WaitAsync(_options.Timeout, _time, cancellationToken).ConfigureAwait(false);
                    var roundTrip = _time.GetElapsedTime(pending.SentTimestamp, received);
                    if (_metrics.ClientRoundTrip.Enabled)
                    {
                        _metrics.ClientRoundTrip.Record(roundTrip.TotalSeconds, connection.Tags);
                    }

                    return new UdpEchoReply(echo, roundTrip, connection.Remote, attempt);
                }
                catch (TimeoutException) when (attempt < attempts)
                {
                    // Send again; an echo of the earlier attempt still completes this call, since the bytes are the same.
                    if (_metrics.ClientRetries.Enabled)
                    {
                        _metrics.ClientRetries.Add(1, connection.Tags);
                    }
                }
                catch (TimeoutException e)
                {
                    if (_metrics.ClientTimeouts.Enabled)
                    {
                        _metrics.ClientTimeouts.Add(1, connection.Tags);
                    }

                    throw new TimeoutException($"No echo from {connection.Remote} after {attempts} attempt(s) of {_options.Timeout.TotalMilliseconds:0.###} ms each.", e);
                }
            }
        }
        finally
        {
            _pending.Remove(pending);
        }
    }

    /// <summary>Closes the socket. Every call still in flight completes at once with an <see cref="ObjectDisposedException"/>.</summary>
    /// <returns>A task that completes when the receive loop has ended.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        await _disposed.CancelAsync().ConfigureAwait(false);
        var connection = Interlocked.Exchange(ref _connection, null);
        connection?.Socket.Dispose();
        _pending.FailAll(new ObjectDisposedException(nameof(UdpEchoClient), "The UDP echo client was disposed while the call was waiting for its echo."));
        if (connection is not null)
        {
            await connection.ReceiveLoop.ConfigureAwait(false);
        }
    }

    private async ValueTask SendAsync(Connection connection, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        try
        {
            await connection.Socket.SendAsync(payload, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e) when (UdpSockets.IsUnreachable(e.SocketErrorCode))
        {
            // An ICMP error for an earlier datagram can surface on a send as well as on the receive.
            throw Unreachable(connection.Remote, e);
        }
        catch (Exception e) when (_disposed.IsCancellationRequested && e is SocketException or ObjectDisposedException)
        {
            throw new ObjectDisposedException(nameof(UdpEchoClient), "The UDP echo client was disposed while the call was sending.");
        }
    }

    private async ValueTask<Connection> ConnectAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _connection) is { } existing)
        {
            return existing;
        }

        await _connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            if (_connection is { } raced)
            {
                return raced;
            }

            var remote = await ResolveAsync(cancellationToken).ConfigureAwait(false);
            var socket = new Socket(remote.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                UdpSockets.DisableConnectionResetReporting(socket);
                if (_options.LocalEndPoint is { } local)
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

                // Connecting a UDP socket sends nothing; it fixes the peer, so the kernel filters foreign datagrams
                // and reports ICMP errors for it.
                await socket.ConnectAsync(remote, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            var connection = new Connection(socket, remote, (IPEndPoint)socket.LocalEndPoint!);
            connection.ReceiveLoop = Task.Run(() => ReceiveLoopAsync(connection), CancellationToken.None);
            Volatile.Write(ref _connection, connection);
            Log.ClientConnected(_logger, connection.LocalEndPoint, remote);
            return connection;
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private async ValueTask<IPEndPoint> ResolveAsync(CancellationToken cancellationToken)
    {
        switch (_options.RemoteEndPoint)
        {
            case IPEndPoint ip:
                return ip;
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

    private async Task ReceiveLoopAsync(Connection connection)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferLength, pinned: true);
        while (true)
        {
            int received;
            try
            {
                received = await connection.Socket.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
            }
            catch (Exception e) when (_disposed.IsCancellationRequested && e is SocketException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (UdpSockets.IsUnreachable(e.SocketErrorCode))
            {
                Log.DestinationUnreachable(_logger, connection.Remote, e.SocketErrorCode);
                _pending.FailAll(Unreachable(connection.Remote, e));
                continue;
            }
            catch (SocketException e) when (UdpSockets.IsTransient(e.SocketErrorCode))
            {
                continue;
            }
#pragma warning disable CA1031 // The loop's last line of defence: fail every call now and later, never hang one.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Log.ClientFaulted(_logger, e, connection.Remote);
                var fault = new UdpEchoException($"The UDP echo client for {connection.Remote} stopped receiving: {e.Message}", e);
                connection.Fault = fault;
                _pending.FailAll(fault);
                return;
            }

            var timestamp = _time.GetTimestamp();
            var echo = buffer.AsSpan(0, received);
            if (!_pending.TryComplete(echo, timestamp))
            {
                Interlocked.Increment(ref _unmatched);
                Log.UnmatchedDatagram(_logger, received);
                if (_metrics.ClientUnmatched.Enabled)
                {
                    _metrics.ClientUnmatched.Add(1, connection.Tags);
                }
            }

            if (MessageReceived is not null)
            {
                RaiseMessageReceived(connection.Remote, echo);
            }
        }
    }

    private void RaiseMessageReceived(IPEndPoint remote, ReadOnlySpan<byte> payload)
    {
        var handlers = MessageReceived;
        if (handlers is null)
        {
            return;
        }

        var args = new UdpEchoMessageReceivedEventArgs(remote, payload.ToArray());
        foreach (var handler in handlers.GetInvocationList())
        {
            try
            {
                ((EventHandler<UdpEchoMessageReceivedEventArgs>)handler)(this, args);
            }
#pragma warning disable CA1031 // A subscriber's bug must not stop the client from completing calls.
            catch (Exception e)
#pragma warning restore CA1031
            {
                if (_subscriberErrors.TryEnter(out var suppressed))
                {
                    Log.ClientSubscriberFailed(_logger, e, suppressed);
                }
            }
        }
    }

    private static UdpEchoException Unreachable(IPEndPoint remote, SocketException e) =>
        new($"No UDP echo server is listening at {remote}: the destination reported it unreachable ({e.SocketErrorCode}).", e.SocketErrorCode, remote, e);

    private sealed class Connection(Socket socket, IPEndPoint remote, IPEndPoint localEndPoint)
    {
        public Socket Socket { get; } = socket;

        public IPEndPoint Remote { get; } = remote;

        public IPEndPoint LocalEndPoint { get; } = localEndPoint;

        /// <summary>Gets the tags of this connection's measurements, built once.</summary>
        public KeyValuePair<string, object?>[] Tags { get; } = UdpEchoMetrics.Tags(remote.AddressFamily == AddressFamily.InterNetworkV6);

        public Task ReceiveLoop { get; set; } = Task.CompletedTask;

        /// <summary>Gets or sets why the receive loop ended, if it ended on its own; every later call fails with it.</summary>
        public UdpEchoException? Fault { get; set; }
    }
}
