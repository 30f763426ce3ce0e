using System.Net;
using System.Net.Sockets;
using UdpEcho.Diagnostics;
using UdpEcho.Policy;
using UdpEcho.Transport;

namespace UdpEcho.Pipeline;

/// <summary>
/// One receive loop's handler: the per-datagram decision, in order — size, source (self-loop, port, address,
/// allow-list), peer loop guard, rate limit, then the impairment simulation — and the loop's own state: its counters,
/// its loop guard table, its random choices and its delay queue. Called by one loop thread at a time, so nothing here
/// is locked except the delay queue, which a scheduler may also serve.
/// </summary>
internal sealed class LoopPipeline : EchoLoopHandler
{
    /// <summary>How many sources each loop's guard remembers (about 64 bytes each).</summary>
    private const int GuardCapacity = 16384;

    private readonly ServerPipeline _run;
    private readonly ServerRunSettings _settings;
    private readonly TimeProvider _time;
    private readonly RateLimiter _limiter;
    private readonly MessageEvents _events;
    private readonly int _maxDatagramSize;
    private readonly Impairer _impairer;
    private PeerLoopGuard? _guard;

    public LoopPipeline(ServerPipeline run, int index, AddressFamily family, StatisticsRegistry statistics)
    {
        _run = run;
        _settings = run.Settings;
        _time = _settings.Time;
        _limiter = _settings.Limiter;
        _events = _settings.Events;
        _maxDatagramSize = _settings.Options.MaxDatagramSize;
        _impairer = new Impairer(index);
        Report = new ServerReporter(new CounterBlock(), _settings.Diagnostics);
        statistics.Add(Report.Counters);

        QueueReport = new ServerReporter(new CounterBlock(), _settings.Diagnostics);
        statistics.Add(QueueReport.Counters);
        Delays = new DelayQueue(QueueReport, this, family, _time.TimestampFrequency, retainBytes: 1 << 20);
        statistics.Add(Delays);
    }

    public ServerReporter Report { get; }

    /// <summary>Gets where the delay queue reports (it may be served from another thread than the loop's).</summary>
    public ServerReporter QueueReport { get; }

    public DelayQueue Delays { get; }

    public override bool Stopping => _run.Stopping;

    public override bool HasSubscribers => _events.HasSubscribers;

    public override long NextDue => _settings.LoopsServeDelays ? Delays.NextDue : long.MaxValue;

    public override EchoAction OnDatagram(SocketAddress remote, Span<byte> payload, bool oversized, in ReceiveMetadata metadata)
    {
        if (oversized)
        {
            Report.Oversized(remote, _maxDatagramSize);
            return EchoAction.None;
        }

        Report.Received(remote, payload.Length);
        var reason = _run.Policy.Check(remote.Buffer.Span[..remote.Size], out var port, out var address);
        var model = _run.Impairment;
        var now = reason == DropReason.None && (_settings.GuardPeers || _limiter.IsActive || model is not null) ? _time.GetTimestamp() : 0;
        if (reason == DropReason.None && _settings.GuardPeers && !(_guard ??= new PeerLoopGuard(GuardCapacity, _time.TimestampFrequency)).Allow(address, port, payload, now))
        {
            reason = DropReason.LoopGuard;
        }

        if (reason == DropReason.None && _limiter.IsActive && !_limiter.TryTake(address, now))
        {
            reason = DropReason.RateLimited;
        }

        if (reason == DropReason.None && _run.Draining)
        {
            reason = DropReason.Shutdown;
        }

        if (reason != DropReason.None)
        {
            Report.Dropped(remote, reason);
            return EchoAction.None;
        }

        if (model is null)
        {
            return EchoAction.Echo;
        }

        return Impair(remote, payload, now, model);
    }

    public override void StampTransmit(Span<byte> payload)
    {
    }

    public override void OnEchoed(SocketAddress remote, int length) => Report.Echoed(remote, length);

    public override void OnSendFailed(SocketAddress remote, int length, SocketError error) => Report.SendFailed(remote, length, error);

    public override void OnReceiveFailed(SocketError error) => Report.ReceiveFailed(error);

    public override void OnKernelDrops(long total) => Report.KernelDrops(total, _run.LocalEndPoint);

    public override void RaiseEchoed(ReadOnlySpan<byte> payload, SocketAddress remote) => _events.Raise(_settings.Sender, payload, remote, Report);

    public override void SendDue(long now, IEchoSender sender) => Delays.SendDue(now, sender);

    public override void OnFaulted(Exception exception) => Report.LoopFaulted(exception, _run.LocalEndPoint);

    /// <summary>Loses, or queues (delayed, duplicated, held, behind the bandwidth limit), one admitted datagram; raises its event now.</summary>
    private EchoAction Impair(SocketAddress remote, ReadOnlySpan<byte> payload, long now, ImpairmentModel model)
    {
        _impairer.Follow(model);
        if (_impairer.IsLost(model))
        {
            Report.Dropped(remote, DropReason.ImpairedLoss);
        }
        else if (!model.Queues)
        {
            return EchoAction.Echo;
        }
        else
        {
            var copies = _impairer.Duplicates(model) ? 2 : 1;
            var hold = _impairer.Holds(model);
            for (var copy = 0; copy < copies; copy++)
            {
                var start = now;
                if (model.TicksPerByte > 0)
                {
                    start = _run.Link.Reserve(now, payload.Length, model);
                }

                var due = start + _impairer.DrawDelay(model);
                if (start < 0 || !Delays.TryEnqueue(payload, remote, due, hold && copy == 0, model.HoldTicks, stamp: false, model))
                {
                    Report.Dropped(remote, DropReason.QueueFull);
                    continue;
                }

                _run.EchoQueued(due);
            }
        }

        // The event is raised once the simulation has decided, whether the echo goes later or never.
        if (_events.HasSubscribers)
        {
            _events.Raise(_settings.Sender, payload, remote, Report);
        }

        return EchoAction.None;
    }
}
