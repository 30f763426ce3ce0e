using System.Net;
using System.Net.Sockets;
using UdpEcho.Diagnostics;
using UdpEcho.Policy;
using UdpEcho.Stamp;
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

    /// <summary>How many STAMP sessions each loop of a stateful reflector counts for; a new session evicts the oldest.</summary>
    private const int StampSessions = 16384;

    private readonly ServerPipeline _run;
    private readonly ServerRunSettings _settings;
    private readonly TimeProvider _time;
    private readonly RateLimiter _limiter;
    private readonly MessageEvents _events;
    private readonly int _maxDatagramSize;
    private readonly Impairer _impairer;
    private readonly StampReflector? _stamp;
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
        _stamp = _settings.Options.StampMode switch
        {
            UdpEchoStampMode.Stateless => new StampReflector(StampReflectorMode.Stateless, StampSessions),
            UdpEchoStampMode.Stateful => new StampReflector(StampReflectorMode.Stateful, StampSessions),
            _ => null,
        };
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
        var sockaddr = remote.Buffer.Span[..remote.Size];
        var model = _run.Impairment;
        var reason = Decide(sockaddr, payload, model, out var now);
        if (reason != DropReason.None)
        {
            Report.Dropped(remote, reason);
            return EchoAction.None;
        }

        var action = EchoAction.Echo;
        if (_stamp is not null)
        {
            // T2 is the kernel's receive time where the engine can read it (SO_TIMESTAMPNS), else now; T3 is written
            // just before the send (StampTransmit).
            var received = metadata.KernelTimestamp != 0 ? metadata.KernelTimestamp : NtpTimestamp.UtcNowUnixNanoseconds();
            _stamp.TryReflect(payload, sockaddr, _run.LocalSockaddr, received, metadata.Ttl);
            action = EchoAction.EchoStamped;
        }

        if (model is not null)
        {
            return Impair(remote, payload, now, model, action);
        }

        Echoing(now);
        return action;
    }

    public override void StampTransmit(Span<byte> payload) => StampReflector.WriteTransmitTimestamp(payload);

    public override void OnEchoed(SocketAddress remote, int length) => Report.Echoed(remote, length);

    public override void OnSendFailed(SocketAddress remote, int length, SocketError error) => Report.SendFailed(remote, length, error);

    public override void OnReceiveFailed(SocketError error) => Report.ReceiveFailed(error);

    public override void OnKernelDrops(long total) => Report.KernelDrops(total, _run.LocalEndPoint);

    public override void RaiseEchoed(ReadOnlySpan<byte> payload, SocketAddress remote) => _events.Raise(_settings.Sender, payload, remote, Report);

    public override void SendDue(long now, IEchoSender sender) => Delays.SendDue(now, sender);

    public override void OnFaulted(Exception exception)
    {
        Report.LoopFaulted(exception, _run.LocalEndPoint);
        _run.Fault();
    }

    /// <summary>The admitted datagram is being echoed: the loop guard remembers it as the last echo sent to its source.</summary>
    private void Echoing(long now)
    {
        if (_settings.GuardPeers)
        {
            _guard!.Sent(now);
        }
    }

    /// <summary>
    /// The checks in order, cheapest first: the source (self-loop, port, address, allow-list), a STAMP packet's length,
    /// the peer loop guard, the rate limits (last, so that a datagram dropped for another reason spends no token), and
    /// the stop. Reads the clock only when a check needs it.
    /// </summary>
    private DropReason Decide(ReadOnlySpan<byte> sockaddr, ReadOnlySpan<byte> payload, ImpairmentModel? model, out long now)
    {
        now = 0;
        var reason = _run.Policy.Check(sockaddr, out var port, out var address);
        if (reason != DropReason.None)
        {
            return reason;
        }

        if (_stamp is not null && payload.Length < StampPacket.BaseLength)
        {
            return DropReason.TooShort;
        }

        if (_settings.GuardPeers || _limiter.IsActive || model is not null)
        {
            now = _time.GetTimestamp();
        }

        if (_settings.GuardPeers && !(_guard ??= new PeerLoopGuard(GuardCapacity, _time.TimestampFrequency)).Admit(address, port, payload, now))
        {
            return DropReason.LoopGuard;
        }

        // A reflector rewrites what it sends, so a bounce never comes back as the bytes it received: but a test packet
        // that already carries a receive timestamp is some reflector's reply, and answering it keeps a loop going.
        if (_settings.GuardPeers && _stamp is not null && StampPacket.IsReflected(payload))
        {
            return DropReason.LoopGuard;
        }

        if (_limiter.IsActive && !_limiter.TryTake(address, now))
        {
            return DropReason.RateLimited;
        }

        return _run.Draining ? DropReason.Shutdown : DropReason.None;
    }

    /// <summary>Loses, or queues (delayed, duplicated, held, behind the bandwidth limit), one admitted datagram; raises its event now.</summary>
    private EchoAction Impair(SocketAddress remote, ReadOnlySpan<byte> payload, long now, ImpairmentModel model, EchoAction action)
    {
        _impairer.Follow(model);
        if (_impairer.IsLost(model))
        {
            Report.Dropped(remote, DropReason.ImpairedLoss);
        }
        else if (!model.Queues)
        {
            Echoing(now);
            return action;
        }
        else
        {
            var copies = _impairer.Duplicates(model) ? 2 : 1;
            var hold = _impairer.Holds(model);
            var queued = false;
            for (var copy = 0; copy < copies; copy++)
            {
                // Room first: a reservation on the shared link for an echo the queue then refused would delay every echo
                // after it for nothing, and under overload the link would carry a fraction of its bandwidth.
                if (!Delays.HasRoom(payload.Length, model))
                {
                    Report.Dropped(remote, DropReason.QueueFull);
                    continue;
                }

                var start = model.TicksPerByte > 0 ? _run.Link.Reserve(now, payload.Length, model) : now;
                if (start < 0)
                {
                    Report.Dropped(remote, DropReason.QueueFull); // tail drop: the link's backlog is full
                    continue;
                }

                var due = start + _impairer.DrawDelay(model);
                if (!Delays.TryEnqueue(payload, remote, due, hold && copy == 0, model.HoldTicks, stamp: action == EchoAction.EchoStamped, model))
                {
                    Report.Dropped(remote, DropReason.QueueFull);
                    continue;
                }

                _run.EchoQueued(due);
                queued = true;
            }

            if (queued)
            {
                Echoing(now);
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
