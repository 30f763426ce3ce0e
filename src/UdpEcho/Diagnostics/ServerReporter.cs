using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using UdpEcho.Addressing;
using UdpEcho.Policy;

namespace UdpEcho.Diagnostics;

/// <summary>
/// Where one writer (a receive loop, or one impairment queue) reports what became of each datagram: its own counters,
/// the shared metrics and the throttled log lines, kept consistent with one another in one place, so that every engine
/// counts alike. Not thread-safe: each writer has its own. Allocates nothing unless a listener or an enabled log level
/// asks for it.
/// </summary>
internal sealed class ServerReporter(CounterBlock counters, ServerDiagnostics shared)
{
    // Held-back lines are counted here, per writer: under a flood of drops, every loop counting into one shared field
    // would fight over its cache line. A line reports what its own writer held back.
    private const int ReceiveWarning = DropReasons.Count;
    private const int SendWarning = DropReasons.Count + 1;
    private const int KernelWarning = DropReasons.Count + 2;
    private const int SubscriberError = DropReasons.Count + 3;

    private readonly ILogger _logger = shared.Logger;
    private readonly UdpEchoMetrics _metrics = shared.Metrics;
    private readonly long[] _held = new long[DropReasons.Count + 4];
    private long _kernelDrops;

    public CounterBlock Counters { get; } = counters;

    public ServerDiagnostics Shared { get; } = shared;

    /// <summary>A datagram of <paramref name="length"/> bytes arrived and fits <c>MaxDatagramSize</c>.</summary>
    public void Received(SocketAddress remote, int length)
    {
        Counters.Increment(ServerCounter.DatagramsReceived);
        Counters.Add(ServerCounter.BytesReceived, length);
        Record(remote, length, static tags => tags.Received);
    }

    /// <summary>A datagram larger than <paramref name="max"/> arrived. Its real size is unknown (the kernel cut it to the buffer), so it adds no bytes anywhere.</summary>
    public void Oversized(SocketAddress remote, int max)
    {
        Counters.Increment(ServerCounter.DatagramsReceived);
        Counters.Drop(DropReason.TooLarge);
        Record(remote, 0, static tags => tags.Received);
        if (_metrics.ServerDropped.Enabled)
        {
            _metrics.ServerDropped.Add(1, ServerTags.For(remote).Dropped(DropReason.TooLarge));
        }

        if (_logger.IsEnabled(LogLevel.Debug) && Due(Shared.DropLogs[(int)DropReason.TooLarge], (int)DropReason.TooLarge, out var suppressed))
        {
            Log.DatagramTruncated(_logger, EndPoints.ToEndPoint(remote), max, suppressed);
        }
    }

    /// <summary>The OS reported an error on receive (an ICMP error for an earlier echo, a passing shortage); the loop goes on.</summary>
    public void ReceiveFailed(SocketError error)
    {
        Counters.Increment(ServerCounter.ReceiveErrors);
        if (_metrics.ServerErrors.Enabled)
        {
            _metrics.ServerErrors.Add(1, ServerTags.ReceiveError);
        }

        if (_logger.IsEnabled(LogLevel.Warning) && Due(Shared.ReceiveWarnings, ReceiveWarning, out var suppressed))
        {
            Log.ReceiveFailed(_logger, error, suppressed);
        }
    }

    /// <summary>The kernel's running count of datagrams it dropped for this writer's socket rose to <paramref name="total"/>.</summary>
    public void KernelDrops(long total, IPEndPoint localEndPoint)
    {
        var added = total - _kernelDrops;
        if (added <= 0)
        {
            return;
        }

        _kernelDrops = total;
        Counters.RaiseTo(ServerCounter.KernelDrops, total);
        if (_metrics.ServerDropped.Enabled)
        {
            _metrics.ServerDropped.Add(added, ServerTags.ReceiveBufferFull);
        }

        if (_logger.IsEnabled(LogLevel.Warning) && Due(Shared.KernelDropWarnings, KernelWarning, out var suppressed))
        {
            Log.KernelDropped(_logger, localEndPoint, added, suppressed);
        }
    }

    /// <summary>A receive loop failed in a way it cannot recover from and ended.</summary>
    public void LoopFaulted(Exception exception, IPEndPoint localEndPoint) => Log.ServerFaulted(_logger, exception, localEndPoint);

    public void Echoed(SocketAddress remote, int length)
    {
        Counters.Increment(ServerCounter.DatagramsEchoed);
        Counters.Add(ServerCounter.BytesEchoed, length);
        Record(remote, length, static tags => tags.Sent);
        if (_logger.IsEnabled(LogLevel.Trace))
        {
            Log.DatagramEchoed(_logger, length, EndPoints.ToEndPoint(remote));
        }
    }

    public void Dropped(SocketAddress remote, DropReason reason)
    {
        Counters.Drop(reason);
        if (_metrics.ServerDropped.Enabled)
        {
            _metrics.ServerDropped.Add(1, ServerTags.For(remote).Dropped(reason));
        }

        var level = reason is DropReason.NotAllowed or DropReason.ImpairedLoss or DropReason.Shutdown or DropReason.TooShort ? LogLevel.Debug : LogLevel.Warning;
        if (!_logger.IsEnabled(level) || !Due(Shared.DropLogs[(int)reason], (int)reason, out var suppressed))
        {
            return;
        }

        var endPoint = EndPoints.ToEndPoint(remote);
        switch (reason)
        {
            case DropReason.SourcePort:
                Log.SourcePortDropped(_logger, endPoint, endPoint.Port, suppressed);
                break;
            case DropReason.SourceAddress:
                Log.SourceAddressDropped(_logger, endPoint, suppressed);
                break;
            case DropReason.NotAllowed:
                Log.SourceNotAllowed(_logger, endPoint, suppressed);
                break;
            case DropReason.RateLimited:
                Log.RateLimited(_logger, endPoint, suppressed);
                break;
            case DropReason.ImpairedLoss:
                Log.ImpairedLoss(_logger, endPoint, suppressed);
                break;
            case DropReason.LoopGuard:
                Log.LoopGuardDropped(_logger, endPoint, suppressed);
                break;
            case DropReason.QueueFull:
                Log.QueueFull(_logger, endPoint, suppressed);
                break;
            case DropReason.TooShort:
                Log.TooShort(_logger, endPoint, suppressed);
                break;
        }
    }

    /// <summary>The OS refused to send an echo (no route, no buffer space, a broadcast source...): it costs one echo, never the server.</summary>
    public void SendFailed(SocketAddress remote, int length, SocketError error)
    {
        Counters.Drop(DropReason.SendFailed);

        // Each instrument asks for itself: a listener may enable one and not the other.
        if (_metrics.ServerDropped.Enabled)
        {
            _metrics.ServerDropped.Add(1, ServerTags.For(remote).Dropped(DropReason.SendFailed));
        }

        if (_metrics.ServerErrors.Enabled)
        {
            _metrics.ServerErrors.Add(1, ServerTags.For(remote).SendError);
        }

        if (_logger.IsEnabled(LogLevel.Warning) && Due(Shared.SendWarnings, SendWarning, out var suppressed))
        {
            Log.SendFailed(_logger, length, EndPoints.ToEndPoint(remote), error, suppressed);
        }
    }

    public void SubscriberFailed(SocketAddress remote, Exception e)
    {
        Counters.Increment(ServerCounter.SubscriberErrors);
        if (_metrics.ServerErrors.Enabled)
        {
            _metrics.ServerErrors.Add(1, ServerTags.For(remote).SubscriberError);
        }

        if (_logger.IsEnabled(LogLevel.Error) && Due(Shared.SubscriberErrors, SubscriberError, out var suppressed))
        {
            Log.SubscriberFailed(_logger, e, suppressed);
        }
    }

    /// <summary>Whether a line of this kind may be written now; if not, it is counted as held back by this writer.</summary>
    private bool Due(LogThrottle throttle, int kind, out long suppressed)
    {
        if (throttle.IsDue())
        {
            suppressed = _held[kind];
            _held[kind] = 0;
            return true;
        }

        _held[kind]++;
        suppressed = 0;
        return false;
    }

    /// <summary>Adds one datagram of <paramref name="length"/> bytes to the datagram and byte counters, when anyone listens.</summary>
    private void Record(SocketAddress remote, int length, Func<ServerTags, KeyValuePair<string, object?>[]> direction)
    {
        if (_metrics.ServerDatagrams.Enabled || _metrics.ServerBytes.Enabled)
        {
            var tags = direction(ServerTags.For(remote));
            _metrics.ServerDatagrams.Add(1, tags);
            _metrics.ServerBytes.Add(length, tags);
        }
    }
}
