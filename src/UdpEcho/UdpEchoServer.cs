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
    private Task _released = Task.CompletedTask;
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

    /// <summary>Gets a task that completes when the last stopped run has closed its socket (later than the stop if its caller gave up waiting); for tests.</summary>
    internal Task Released => Volatile.Read(ref _released);

    /// <summary>Gets the engine of the current run, for tests; <see langword="null"/> when stopped.</summary>
    internal EchoEngine? RunningEngine => Volatile.Read(ref _run)?.Engine;

    /// <inheritdoc />
    public event EventHandler<UdpEchoMessageReceivedEventArgs>? MessageReceived;

    /// <inheritdoc />
    public IPEndPoint? LocalEndPoint => Volatile.Read(ref _run)?.LocalEndPoint;

    /// <inheritdoc />
    public bool IsRunning => Volatile.Read(ref _run) is { Engine.Completion.IsCompleted: false };

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_run is { } current)
            {
                if (!current.Engine.Completion.IsCompleted)
                {
                    throw new InvalidOperationException($"The UDP echo server is already running on {current.LocalEndPoint}.");
                }

                // The loops faulted on their own earlier; release what they left before binding again.
                _ = current.Release();
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
            var context = new EchoLoopContext(socket, local, _options.MaxDatagramSize, _report, _policy, _options.TimeProvider, this);
            if (_options.Impairment.IsEnabled)
            {
                context.Impairment = new Impairment(_options.Impairment, _random, _options.TimeProvider, socket, _report.Echoed, _report.SendFailed);
            }

            // The loops run on their own (thread pool or dedicated threads); Start returns as soon as the socket is bound.
            EchoEngine engine;
            try
            {
                engine = EchoEngine.Start(_options.Engine, context, _options.EffectiveReceiveLoops);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            var run = new Run(context, engine);
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

        if (run.Context.Impairment is { } impairment)
        {
            await DrainAsync(run.Context, impairment, cancellationToken).ConfigureAwait(false);
        }

        run.Context.Stopping = true;
        run.Engine.RequestStop();
        try
        {
            await run.Engine.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // The port is free once this returns; if the caller stopped waiting, once the loops have ended.
            Volatile.Write(ref _released, run.Release());
        }

        Log.ServerStopped(_logger, run.LocalEndPoint);
    }

    /// <summary>Lets queued (delayed) echoes go out, up to <see cref="UdpEchoServerOptions.ShutdownTimeout"/>; drops and counts the rest.</summary>
    private async Task DrainAsync(EchoLoopContext run, Impairment impairment, CancellationToken cancellationToken)
    {
        // From here on the receive loops drop new datagrams (counted as shutdown) instead of queueing more.
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

    /// <summary>Gets a value indicating whether anyone listens to <see cref="MessageReceived"/>; the loops copy a payload only then.</summary>
    internal bool HasMessageReceivedSubscribers => MessageReceived is not null;

    /// <summary>Raises <see cref="MessageReceived"/> from a receive loop; a throwing handler is counted and logged, never fatal.</summary>
    internal void RaiseMessageReceived(ReadOnlySpan<byte> payload, SocketAddress remote)
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
    private sealed class Run(EchoLoopContext context, EchoEngine engine)
    {
        public EchoLoopContext Context { get; } = context;

        public EchoEngine Engine { get; } = engine;

        public IPEndPoint LocalEndPoint => Context.LocalEndPoint;

        /// <summary>Closes the socket (freeing the port) and what the engine holds, now if the loops have ended, else as they end.</summary>
        /// <returns>A task that completes when both are closed.</returns>
        public Task Release()
        {
            if (Engine.Completion.IsCompleted)
            {
                Release(this);
                return Task.CompletedTask;
            }

            // The caller stopped waiting. Closing the socket now would wait anyway for a batched loop that holds its
            // handle (in a blocked send, or a MessageReceived handler): the loops let go of both when they end.
            return Engine.Completion.ContinueWith(static (_, run) => Release((Run)run!), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        private static void Release(Run run)
        {
            run.Context.Socket.Dispose();
            run.Engine.Dispose();
        }
    }
}
