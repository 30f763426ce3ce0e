using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using UdpEcho.Diagnostics;
using UdpEcho.Policy;
using UdpEcho.Transport;

namespace UdpEcho;

/// <summary>
/// A UDP echo (RFC 862) server: every datagram it receives, from 0 bytes up to <see cref="UdpEchoServerOptions.MaxDatagramSize"/>,
/// is sent back unaltered to its sender.
/// </summary>
/// <example>
/// <code>
/// await using var server = new UdpEchoServer(new UdpEchoServerOptions { Address = IPAddress.Loopback, Port = 7007 });
/// await server.StartAsync();
/// </code>
/// </example>
public sealed class UdpEchoServer : IUdpEchoServer
{
    private readonly UdpEchoServerOptions _options;
    private readonly ILogger _logger;
    private readonly ServerReporter _report;
    private readonly Random _random;
    private EchoPolicy? _policy;
    private bool _policyCreated;
    private readonly object _gate = new();
    private Run? _run;
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="UdpEchoServer"/> class. Nothing is bound until <see cref="StartAsync"/>.</summary>
    /// <param name="options">The server's options. They are validated and copied.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public UdpEchoServer(UdpEchoServerOptions options)
        : this(options, null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UdpEchoServer"/> class that logs through <paramref name="loggerFactory"/>.</summary>
    /// <param name="options">The server's options. They are validated and copied.</param>
    /// <param name="loggerFactory">Where to log, or <see langword="null"/> for no logging.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public UdpEchoServer(UdpEchoServerOptions options, ILoggerFactory? loggerFactory)
        : this(options, loggerFactory, null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UdpEchoServer"/> class that logs through <paramref name="loggerFactory"/> and measures through <paramref name="meterFactory"/>.</summary>
    /// <param name="options">The server's options. They are validated and copied.</param>
    /// <param name="loggerFactory">Where to log, or <see langword="null"/> for no logging.</param>
    /// <param name="meterFactory">Where the <c>UdpEcho</c> meter comes from (dependency injection supplies one), or <see langword="null"/> for a process-wide meter.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public UdpEchoServer(UdpEchoServerOptions options, ILoggerFactory? loggerFactory, IMeterFactory? meterFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options.Clone();
        _logger = loggerFactory?.CreateLogger<UdpEchoServer>() ?? (ILogger)NullLogger.Instance;
        _report = new ServerReporter(_logger, UdpEchoMetrics.Create(meterFactory), _options.TimeProvider);
        _random = _options.Impairment.Seed is int seed ? new Random(seed) : new Random();
    }

    /// <summary>Gets the policy, once the server has started, for tests; <see langword="null"/> when every check is off.</summary>
    internal EchoPolicy? Policy => _policy;

    /// <inheritdoc />
    public event EventHandler<UdpEchoMessageReceivedEventArgs>? MessageReceived;

    /// <inheritdoc />
    public IPEndPoint? LocalEndPoint => Volatile.Read(ref _run)?.LocalEndPoint;

    /// <inheritdoc />
    public bool IsRunning => Volatile.Read(ref _run) is { Loop.IsCompleted: false };

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_run is { } current)
            {
                if (!current.Loop.IsCompleted)
                {
                    throw new InvalidOperationException($"The UDP echo server is already running on {current.LocalEndPoint}.");
                }

                // The loop faulted on its own earlier; release what it left before binding again.
                current.Socket.Dispose();
            }

            if (!_policyCreated)
            {
                // Created on first start, not in the constructor: it reads the machine's interfaces (for their
                // broadcast addresses). It outlives restarts, so rate limits carry over a quick stop and start.
                var policy = new EchoPolicy(_options, _options.Address, _options.TimeProvider.TimestampFrequency, _options.TimeProvider.GetTimestamp());
                _policy = policy.IsActive ? policy : null;
                _policyCreated = true;
            }

            var socket = UdpSockets.Bind(_options.EndPoint, _options.DualMode, _options.ReceiveBufferSize, _options.SendBufferSize);
            var local = UdpSockets.Normalize((IPEndPoint)socket.LocalEndPoint!);
            var run = new Run(socket, local);
            if (_options.Impairment.IsEnabled)
            {
                run.Impairment = new Impairment(_options.Impairment, _random, _options.TimeProvider, socket, _report.Echoed, _report.SendFailed);
            }

            // The loop runs on the thread pool; Start returns as soon as the socket is bound.
            run.Loop = Task.Run(() => ReceiveLoopAsync(run), CancellationToken.None);
            Volatile.Write(ref _run, run);
            Log.ServerStarted(_logger, local);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        Run? run;
        lock (_gate)
        {
            run = _run;
            _run = null;
        }

        if (run is null)
        {
            return;
        }

        if (run.Impairment is { } impairment)
        {
            await DrainAsync(run, impairment, cancellationToken).ConfigureAwait(false);
        }

        run.Stopping = true;

        // Closing the socket frees the port at once and completes the pending receive with an abort.
        run.Socket.Dispose();
        await run.Loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        Log.ServerStopped(_logger, run.LocalEndPoint);
    }

    /// <summary>Lets queued (delayed) echoes go out, up to <see cref="UdpEchoServerOptions.ShutdownTimeout"/>; drops and counts the rest.</summary>
    private async Task DrainAsync(Run run, Impairment impairment, CancellationToken cancellationToken)
    {
        // From here on the receive loop drops new datagrams (counted as shutdown) instead of queueing more.
        run.Draining = true;
        try
        {
            await impairment.DrainAsync().WaitAsync(_options.ShutdownTimeout, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // Out of time (or the caller gave up waiting): what is left is dropped below.
        }

        var dropped = impairment.Close(remote => _report.Dropped(remote, DropReason.Shutdown));
        if (dropped > 0)
        {
            Log.ShutdownDropped(_logger, run.LocalEndPoint, dropped);
        }
    }

    /// <inheritdoc />
    public UdpEchoServerStatistics GetStatistics() => _report.Snapshot();

    /// <summary>Stops the server, if it runs, and releases its socket. Safe to call more than once.</summary>
    /// <returns>A task that completes when the receive loop has ended.</returns>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        await StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private async Task ReceiveLoopAsync(Run run)
    {
        var socket = run.Socket;
        var max = _options.MaxDatagramSize;

        // One byte more than the largest datagram we echo: a datagram that fills the buffer was cut short by the
        // kernel and is dropped whole. Pinned, because the kernel writes into it on every receive.
        var buffer = GC.AllocateUninitializedArray<byte>(max + 1, pinned: true);
        var remote = new SocketAddress(socket.AddressFamily);
        var policy = _policy;
        var time = _options.TimeProvider;

        try
        {
            while (true)
            {
                int received;
                try
                {
                    // The SocketAddress overloads reuse one address and one cached event args: no allocation per datagram.
                    received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, remote).ConfigureAwait(false);
                }
                catch (SocketException e) when (!run.Stopping && e.SocketErrorCode == SocketError.MessageSize)
                {
                    // Windows reports a datagram larger than the buffer as an error rather than a short read.
                    _report.Oversized(remote, max);
                    continue;
                }
                catch (SocketException e) when (!run.Stopping && UdpSockets.IsTransient(e.SocketErrorCode))
                {
                    // ICMP errors for earlier echoes (port unreachable and friends) surface here on some systems.
                    _report.ReceiveFailed(remote, e.SocketErrorCode);
                    continue;
                }

                if (received > max)
                {
                    _report.Oversized(remote, max);
                    continue;
                }

                _report.Received(remote, received);

                if (policy is not null)
                {
                    var verdict = policy.Check(remote.Buffer.Span[..remote.Size], policy.UsesTime ? time.GetTimestamp() : 0);
                    if (verdict != DropReason.None)
                    {
                        _report.Dropped(remote, verdict);
                        continue;
                    }
                }

                if (run.Impairment is { } impairment)
                {
                    if (run.Draining)
                    {
                        _report.Dropped(remote, DropReason.Shutdown);
                        continue;
                    }

                    if (!impairment.Submit(buffer.AsSpan(0, received), remote, time.GetTimestamp()))
                    {
                        _report.Dropped(remote, DropReason.ImpairedLoss);
                    }

                    if (MessageReceived is not null)
                    {
                        RaiseMessageReceived(buffer.AsSpan(0, received), remote);
                    }

                    continue;
                }

                // The send is awaited here, not in a helper async method: in a Debug build the compiler makes every
                // async method's state machine a class, so a helper would allocate one per datagram. The loop's own
                // state machine is allocated once per run.
                try
                {
                    await socket.SendToAsync(buffer.AsMemory(0, received), SocketFlags.None, remote).ConfigureAwait(false);
                    _report.Echoed(remote, received);
                }
                catch (SocketException e) when (!run.Stopping)
                {
                    _report.SendFailed(remote, received, e);
                }

                if (MessageReceived is not null)
                {
                    RaiseMessageReceived(buffer.AsSpan(0, received), remote);
                }
            }
        }
        catch (Exception e) when (run.Stopping && e is SocketException or ObjectDisposedException)
        {
            // StopAsync closed the socket under a pending operation: the normal way out.
        }
#pragma warning disable CA1031 // The loop's last line of defence: log it; IsRunning turns false, and Stop/Dispose stay quiet.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.ServerFaulted(_logger, e, run.LocalEndPoint);
        }
    }

    private void RaiseMessageReceived(ReadOnlySpan<byte> payload, SocketAddress remote)
    {
        var handlers = MessageReceived;
        if (handlers is null)
        {
            return;
        }

        // Handlers get their own copy: the receive buffer is overwritten by the next datagram.
        var args = new UdpEchoMessageReceivedEventArgs(UdpSockets.ToEndPoint(remote), payload.ToArray());
        Subscribers.Invoke(handlers, this, args, (Report: _report, Remote: remote), static (state, e) => state.Report.SubscriberFailed(state.Remote, e));
    }

    /// <summary>One bind-to-close lifetime of the server: restarting creates a new one.</summary>
    private sealed class Run(Socket socket, IPEndPoint localEndPoint)
    {
        public Socket Socket { get; } = socket;

        public IPEndPoint LocalEndPoint { get; } = localEndPoint;

        public Task Loop { get; set; } = Task.CompletedTask;

        public Impairment? Impairment { get; set; }

        public volatile bool Stopping;

        public volatile bool Draining;
    }
}
