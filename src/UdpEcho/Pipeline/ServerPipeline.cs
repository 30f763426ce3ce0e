using System.Net;
using System.Net.Sockets;
using UdpEcho.Diagnostics;
using UdpEcho.Policy;
using UdpEcho.Transport;

namespace UdpEcho.Pipeline;

/// <summary>
/// What every receive loop of one server run shares, and the one place that decides each datagram's fate (through
/// its loops' <see cref="LoopPipeline"/>s): size, loop guard, source policy, rate limit, impairment, protocol,
/// reporting. The engines only move bytes and addresses.
/// </summary>
internal sealed class ServerPipeline
{
    private readonly Socket[] _sockets;
    private readonly object _schedulerGate = new();
    private DueScheduler? _scheduler;
    private ImpairmentModel? _impairment;
    private volatile bool _draining;
    private volatile bool _stopping;

    public ServerPipeline(ServerRunSettings settings, Socket[] sockets, IPEndPoint localEndPoint, StatisticsRegistry statistics)
    {
        Settings = settings;
        _sockets = sockets;
        LocalEndPoint = localEndPoint;
        var local = sockets[0].LocalEndPoint!.Serialize();
        LocalSockaddr = local.Buffer[..local.Size].ToArray();
        Policy = new EchoPolicy(settings.Options, localEndPoint);
        _impairment = settings.Impairment;
        Link = new SimulatedLink();

        var loops = settings.Loops;
        Loops = new LoopPipeline[loops];
        var live = new (Socket, CounterBlock)[Math.Min(loops, sockets.Length)];
        for (var i = 0; i < loops; i++)
        {
            var socket = sockets[i % sockets.Length];
            Loops[i] = new LoopPipeline(this, i, socket.AddressFamily, statistics);
            if (i < live.Length)
            {
                live[i] = (socket, Loops[i].Report.Counters);
            }
        }

        statistics.SetLive(live);
    }

    public ServerRunSettings Settings { get; }

    public IPEndPoint LocalEndPoint { get; }

    public EchoPolicy Policy { get; }

    /// <summary>Gets the bound address as raw <c>sockaddr</c> bytes (a STAMP session is keyed by both ends).</summary>
    public byte[] LocalSockaddr { get; }

    public SimulatedLink Link { get; }

    public LoopPipeline[] Loops { get; }

    /// <summary>Gets the impairment in force, or <see langword="null"/>; swapped whole by <see cref="SetImpairment"/>.</summary>
    public ImpairmentModel? Impairment => Volatile.Read(ref _impairment);


    /// <summary>Gets a value indicating whether the server is stopping: new datagrams are dropped (counted as shutdown) while queued echoes drain.</summary>
    public bool Draining => _draining;

    /// <summary>Gets a value indicating whether the loops must end: socket errors from then on are the stop.</summary>
    public bool Stopping => _stopping;

    public void SetImpairment(ImpairmentModel? model) => Volatile.Write(ref _impairment, model);

    /// <summary>
    /// A loop queued an echo due at <paramref name="due"/>. Where the loops cannot wake on time by themselves (the portable
    /// engine, or a clock other than the system's), a scheduler beside them sends it; it is created on first use.
    /// </summary>
    public void EchoQueued(long due)
    {
        if (Settings.LoopsServeDelays)
        {
            return;
        }

        var scheduler = Volatile.Read(ref _scheduler);
        if (scheduler is null)
        {
            lock (_schedulerGate)
            {
                scheduler = _scheduler ??= DueScheduler.Create(
                    [.. Loops.Select(l => l.Delays)],
                    [.. Loops.Select((_, i) => (IEchoSender)new SocketEchoSender(_sockets[i % _sockets.Length]))],
                    Settings.Time);
            }
        }

        scheduler.Kick(due);
    }

    /// <summary>Stops taking new datagrams; completes when every queued echo has gone (or <paramref name="timeout"/> passes).</summary>
    public async Task DrainAsync(TimeSpan timeout, TimeProvider time)
    {
        _draining = true;
        var empty = Task.WhenAll(Loops.Select(l => l.Delays.WhenEmpty()));
        try
        {
            await empty.WaitAsync(timeout, time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Out of time: what is left is dropped (and counted) by Close.
        }
    }

    public void BeginStop() => _stopping = true;

    /// <summary>Gets or sets what the server does when a loop fails for good: end the whole run (set once, before the loops start).</summary>
    public Action? Faulted { get; set; }

    /// <summary>
    /// A loop failed in a way it cannot recover from. The whole run ends: with several loops, the survivors would keep the
    /// server looking alive while the kernel went on sending a share of the senders to the dead loop's socket.
    /// </summary>
    public void Fault()
    {
        if (!_stopping)
        {
            _stopping = true;
            Faulted?.Invoke();
        }
    }

    /// <summary>After the loops have ended: stops the scheduler and drops (counting) whatever still waits; returns how many.</summary>
    public int Close()
    {
        lock (_schedulerGate)
        {
            _scheduler?.Dispose();
        }

        return Loops.Sum(l => l.Delays.Close());
    }
}

/// <summary>The settings one server run decides with, fixed when it starts.</summary>
/// <param name="Options">The server's options (its own copy).</param>
/// <param name="Loops">How many receive loops.</param>
/// <param name="Time">The server's clock.</param>
/// <param name="LoopsServeDelays">Whether the loops send their own delayed echoes on time (the batched engine on the system clock).</param>
/// <param name="GuardPeers">Whether the peer loop guard is on.</param>
/// <param name="Impairment">The impairment at start, or <see langword="null"/>.</param>
/// <param name="Limiter">The rate limits (shared across runs).</param>
/// <param name="Events">The server's event.</param>
/// <param name="Diagnostics">The server's logger, metrics and throttles.</param>
/// <param name="Sender">The server, as the event's sender.</param>
internal sealed record ServerRunSettings(
    UdpEchoServerOptions Options,
    int Loops,
    TimeProvider Time,
    bool LoopsServeDelays,
    bool GuardPeers,
    ImpairmentModel? Impairment,
    RateLimiter Limiter,
    MessageEvents Events,
    ServerDiagnostics Diagnostics,
    object Sender);
