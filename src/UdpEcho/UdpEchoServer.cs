using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using UdpEcho.Addressing;
using UdpEcho.Diagnostics;
using UdpEcho.Pipeline;
using UdpEcho.Policy;
using UdpEcho.Transport;
using UdpEcho.Transport.Linux;

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
    private readonly ServerDiagnostics _diagnostics;
    private readonly MessageEvents _events = new();
    private readonly StatisticsRegistry _statistics = new();
    private readonly object _gate = new();
    private RateLimiter? _limiter;
    private UdpEchoImpairmentOptions _impairment;
    private long _impairmentVersion;
    private bool _buffersLogged;
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
        _impairment = _options.Impairment;
        _logger = loggerFactory?.CreateLogger<UdpEchoServer>() ?? (ILogger)NullLogger.Instance;
        _diagnostics = new ServerDiagnostics(_logger, UdpEchoMetrics.Create(meterFactory), _options.TimeProvider);
    }

    /// <inheritdoc />
    public event EventHandler<UdpEchoMessageReceivedEventArgs>? MessageReceived
    {
        add => _events.Add(value);
        remove => _events.Remove(value);
    }

    /// <summary>Gets or sets the system calls the batched engine makes; tests replace them to inject faults.</summary>
    internal SocketCalls SocketCalls { get; set; } = SocketCalls.Default;

    /// <summary>Gets a task that completes when the last stopped run has closed its sockets; for tests.</summary>
    internal Task Released => Volatile.Read(ref _released);

    /// <summary>Gets the engine of the current run, for tests; <see langword="null"/> when stopped.</summary>
    internal EchoEngine? RunningEngine => Volatile.Read(ref _run)?.Engine;

    /// <summary>Gets the pipeline of the current run, for tests; <see langword="null"/> when stopped.</summary>
    internal ServerPipeline? RunningPipeline => Volatile.Read(ref _run)?.Pipeline;

    /// <inheritdoc />
    public IPEndPoint? LocalEndPoint => Volatile.Read(ref _run)?.Pipeline.LocalEndPoint;

    /// <inheritdoc />
    public bool IsRunning => Volatile.Read(ref _run) is { } run && (run.Stop is not null || !run.Engine.Completion.IsCompleted);

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_run is { } current)
            {
                if (current.Stop is not null)
                {
                    throw new InvalidOperationException($"The UDP echo server on {current.Pipeline.LocalEndPoint} is still stopping; await StopAsync before starting it again.");
                }

                if (!current.Engine.Completion.IsCompleted)
                {
                    throw new InvalidOperationException($"The UDP echo server is already running on {current.Pipeline.LocalEndPoint}.");
                }

                // The loops faulted on their own earlier; release what they left before binding again.
                ReleaseFaulted(current);
            }

            var time = _options.TimeProvider;
            _limiter ??= new RateLimiter(_options, time.TimestampFrequency);
            var engine = EchoEngine.Resolve(_options.Engine, SocketCalls);
            var loops = _options.EffectiveReceiveLoops;
            var sockets = UdpSockets.BindGroup(
                _options.EndPoint, _options.DualMode, loops, _options.EffectiveReceiveBufferSize, _options.EffectiveSendBufferSize, out var buffers);
            try
            {
                var local = EndPoints.Normalize((IPEndPoint)sockets[0].LocalEndPoint!);
                LogCappedBuffers(local, buffers);
                if (engine == UdpEchoServerEngine.Batched)
                {
                    foreach (var socket in sockets)
                    {
                        // The kernel's drop counter comes with every datagram once it is not zero; a STAMP reflector
                        // also wants each packet's receive time and TTL (or hop limit).
                        UdpSockets.SetOption(socket, LinuxSockets.SolSocket, LinuxSockets.SoRxqOvfl, 1);
                        if (_options.StampMode != UdpEchoStampMode.None)
                        {
                            UdpSockets.EnableReceiveTimeAndTtl(socket);
                        }
                    }
                }

                var settings = new ServerRunSettings(
                    _options,
                    loops,
                    time,
                    LoopsServeDelays: engine == UdpEchoServerEngine.Batched && ReferenceEquals(time, TimeProvider.System),
                    GuardPeers: _options.LoopGuard switch
                    {
                        UdpEchoLoopGuard.On => true,
                        UdpEchoLoopGuard.Off => false,
                        _ => !IPAddress.IsLoopback(_options.Address),
                    },
                    Impairment: CompileImpairment(),
                    _limiter,
                    _events,
                    _diagnostics,
                    Sender: this);
                var pipeline = new ServerPipeline(settings, sockets, local, _statistics);

                // The loops run on their own (dedicated threads or the thread pool); Start returns as soon as they are going.
                var run = new Run(pipeline, EchoEngine.Start(engine, sockets, pipeline.Loops, _options.MaxDatagramSize, SocketCalls), sockets);
                pipeline.Faulted = () => EndFaultedRun(run);
                Volatile.Write(ref _run, run);
                Log.ServerStarted(_logger, local);
            }
            catch
            {
                foreach (var socket in sockets)
                {
                    socket.Dispose();
                }

                throw;
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        Task stop;
        TaskCompletionSource? owner = null;
        Run? run;
        lock (_gate)
        {
            run = _run;
            if (run is null)
            {
                return;
            }

            if (run.Stop is null)
            {
                owner = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                run.Stop = owner.Task;
                Volatile.Write(ref _released, owner.Task);
            }

            stop = run.Stop;
        }

        if (owner is not null)
        {
            // One stop per run, whoever asked first: every later StopAsync or DisposeAsync waits for the same one, and it
            // goes on to the end even when its callers stop waiting.
            _ = StopRunAsync(run, owner);
        }

        await stop.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void SetImpairment(UdpEchoImpairmentOptions impairment)
    {
        ArgumentNullException.ThrowIfNull(impairment);
        impairment.Validate();
        lock (_gate)
        {
            _impairment = impairment.Clone();
            _run?.Pipeline.SetImpairment(CompileImpairment());
        }
    }

    /// <inheritdoc />
    public UdpEchoServerStatistics GetStatistics() => _statistics.Snapshot();

    /// <summary>Stops the server, if it runs, and releases its sockets. Safe to call more than once, and during a <see cref="StopAsync"/>.</summary>
    /// <returns>A task that completes when the sockets are closed.</returns>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        await StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Compiles the current impairment settings for a new model version. Under <see cref="_gate"/>.</summary>
    private ImpairmentModel? CompileImpairment() =>
        ImpairmentModel.Create(_impairment, _options.TimeProvider.TimestampFrequency, _options.EffectiveReceiveLoops, ++_impairmentVersion);

    /// <summary>Lets queued (delayed) echoes go out, up to the shutdown timeout; ends the loops; then drops and counts what is left and closes the sockets.</summary>
    private async Task StopRunAsync(Run run, TaskCompletionSource done)
    {
        try
        {
            await run.Pipeline.DrainAsync(_options.ShutdownTimeout, _options.TimeProvider).ConfigureAwait(false);
            run.Pipeline.BeginStop();
            run.Engine.RequestStop();
            await run.Engine.Completion.ConfigureAwait(false);
            Release(run);
            Log.ServerStopped(_logger, run.Pipeline.LocalEndPoint);
            done.TrySetResult();
        }
#pragma warning disable CA1031 // The stop's callers get whatever went wrong; nothing is left half-stopped unreported.
        catch (Exception e)
#pragma warning restore CA1031
        {
            done.TrySetException(e);
        }
    }

    /// <summary>A run whose loops all faulted: nothing can be sent any more, so nothing is drained.</summary>
    private void ReleaseFaulted(Run run)
    {
        run.Pipeline.BeginStop();
        Release(run);
    }

    /// <summary>A loop failed for good: every loop ends, and the sockets close (the port is free, senders hear "unreachable").</summary>
    private void EndFaultedRun(Run run)
    {
        run.Engine.RequestStop();
        _ = run.Engine.Completion.ContinueWith(
            static (_, state) =>
            {
                var (server, run) = ((UdpEchoServer, Run))state!;
                lock (server._gate)
                {
                    // A stop asked for meanwhile releases the run itself.
                    if (run.Stop is not null || !ReferenceEquals(server._run, run))
                    {
                        return;
                    }
                }

                server.Release(run);
            },
            (this, run),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>After the loops have ended: drops what still waits, takes the kernel's last word on drops, closes the sockets.</summary>
    private void Release(Run run)
    {
        if (Interlocked.Exchange(ref run.Released, 1) != 0)
        {
            return;
        }

        var dropped = run.Pipeline.Close();
        if (dropped > 0)
        {
            Log.ShutdownDropped(_logger, run.Pipeline.LocalEndPoint, dropped);
        }

        // The kernel's last word on drops, from sockets still open, through each loop's reporter (the loops have ended).
        for (var i = 0; i < Math.Min(run.Sockets.Length, run.Pipeline.Loops.Length); i++)
        {
            run.Pipeline.Loops[i].OnKernelDrops(UdpSockets.ReadKernelDrops(run.Sockets[i]));
        }

        _statistics.SetLive([]);
        _statistics.Retire(
            run.Pipeline.Loops.SelectMany(l => new[] { l.Report.Counters, l.QueueReport.Counters }),
            run.Pipeline.Loops.Select(l => l.Delays));
        foreach (var socket in run.Sockets)
        {
            socket.Dispose();
        }

        run.Engine.Dispose();
        lock (_gate)
        {
            if (ReferenceEquals(_run, run))
            {
                Volatile.Write(ref _run, null);
            }
        }
    }

    private void LogCappedBuffers(IPEndPoint local, SocketBuffers buffers)
    {
        if (_buffersLogged)
        {
            return;
        }

        _buffersLogged = true;
        if (buffers.ReceiveCapped)
        {
            _diagnostics.BuffersCapped(local, "receive", buffers.ReceiveRequested, buffers.ReceiveGranted, "net.core.rmem_max", _options.ReceiveBufferSize is not null);
        }

        if (buffers.SendCapped)
        {
            _diagnostics.BuffersCapped(local, "send", buffers.SendRequested, buffers.SendGranted, "net.core.wmem_max", _options.SendBufferSize is not null);
        }
    }

    /// <summary>One bind-to-close lifetime of the server: restarting creates a new one.</summary>
    private sealed class Run(ServerPipeline pipeline, EchoEngine engine, Socket[] sockets)
    {
        public ServerPipeline Pipeline { get; } = pipeline;

        public EchoEngine Engine { get; } = engine;

        public Socket[] Sockets { get; } = sockets;

        /// <summary>Gets or sets the one stop of this run, once asked for. Under the server's gate.</summary>
        public Task? Stop { get; set; }

        /// <summary>Set once the sockets have been closed (by a stop, a restart, or the end of a faulted run).</summary>
        public int Released;
    }
}
