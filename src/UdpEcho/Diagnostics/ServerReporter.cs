using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using UdpEcho.Policy;
using UdpEcho.Transport;

namespace UdpEcho.Diagnostics;

/// <summary>
/// Where the server's loops report what became of each datagram: the statistics counters, the metrics and the
/// throttled log lines, kept consistent with one another in one place, so that every engine counts alike. Safe to
/// call from several loops at once; allocates nothing unless a listener or an enabled log level asks for it.
/// </summary>
internal sealed class ServerReporter
{
    private static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(5);

    private readonly ILogger _logger;
    private readonly UdpEchoMetrics _metrics;
    private readonly ServerCounters _counters = new();
    private readonly LogThrottle _receiveWarnings = new(WarningInterval);
    private readonly LogThrottle _sendWarnings = new(WarningInterval);
    private readonly LogThrottle _subscriberErrors = new(WarningInterval);
    private readonly LogThrottle[] _dropLogs;

    public ServerReporter(ILogger logger, UdpEchoMetrics metrics, TimeProvider time)
    {
        _logger = logger;
        _metrics = metrics;

        // One throttle per drop reason, so that a flood of one kind cannot hide the first line of another.
        _dropLogs = new LogThrottle[_counters.Drops.Length];
        for (var i = 0; i < _dropLogs.Length; i++)
        {
            _dropLogs[i] = new LogThrottle(WarningInterval, time);
        }
    }

    public UdpEchoServerStatistics Snapshot() => _counters.Snapshot();

    /// <summary>A datagram of <paramref name="length"/> bytes arrived and fits <c>MaxDatagramSize</c>.</summary>
    public void Received(SocketAddress remote, int length)
    {
        Interlocked.Increment(ref _counters.DatagramsReceived);
        Interlocked.Add(ref _counters.BytesReceived, length);
        Record(remote, length, static tags => tags.Received);
    }

    /// <summary>A datagram larger than <paramref name="max"/> arrived. Its real size is unknown (the kernel cut it to the buffer), so it adds no bytes anywhere.</summary>
    public void Oversized(SocketAddress remote, int max)
    {
        Interlocked.Increment(ref _counters.DatagramsReceived);
        Interlocked.Increment(ref _counters.DatagramsTruncated);
        Interlocked.Increment(ref _counters.DatagramsDropped);
        Record(remote, 0, static tags => tags.Received);
        if (_metrics.ServerDropped.Enabled)
        {
            _metrics.ServerDropped.Add(1, ServerTags.For(remote).DroppedTooLarge);
        }

        if (_logger.IsEnabled(LogLevel.Debug) && _dropLogs[(int)DropReason.TooLarge].TryEnter(out var suppressed))
        {
            Log.DatagramTruncated(_logger, UdpSockets.ToEndPoint(remote), max, suppressed);
        }
    }

    /// <summary>The OS reported an error on receive (an ICMP error for an earlier echo, a passing shortage); the loop goes on.</summary>
    public void ReceiveFailed(SocketError error)
    {
        Interlocked.Increment(ref _counters.ReceiveErrors);
        if (_metrics.ServerErrors.Enabled)
        {
            _metrics.ServerErrors.Add(1, ServerTags.ReceiveError);
        }

        if (_receiveWarnings.TryEnter(out var suppressed))
        {
            Log.ReceiveFailed(_logger, error, suppressed);
        }
    }

    /// <summary>A receive loop failed in a way it cannot recover from and ended.</summary>
    public void LoopFaulted(Exception exception, IPEndPoint localEndPoint) => Log.ServerFaulted(_logger, exception, localEndPoint);

    public void Echoed(SocketAddress remote, int length)
    {
        Interlocked.Increment(ref _counters.DatagramsEchoed);
        Interlocked.Add(ref _counters.BytesEchoed, length);
        Record(remote, length, static tags => tags.Sent);
        if (_logger.IsEnabled(LogLevel.Trace))
        {
            Log.DatagramEchoed(_logger, length, UdpSockets.ToEndPoint(remote));
        }
    }

    public void Dropped(SocketAddress remote, DropReason reason)
    {
        _counters.Drop(reason);
        if (_metrics.ServerDropped.Enabled)
        {
            _metrics.ServerDropped.Add(1, ServerTags.For(remote).Dropped(reason));
        }

        var level = reason is DropReason.NotAllowed or DropReason.ImpairedLoss ? LogLevel.Debug : LogLevel.Warning;
        if (!_logger.IsEnabled(level) || !_dropLogs[(int)reason].TryEnter(out var suppressed))
        {
            return;
        }

        var endPoint = UdpSockets.ToEndPoint(remote);
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
        }
    }

    /// <summary>The OS refused to send an echo (no route, no buffer space, a broadcast source...): it costs one echo, never the server.</summary>
    public void SendFailed(SocketAddress remote, int length, SocketException e)
    {
        Interlocked.Increment(ref _counters.SendErrors);
        Interlocked.Increment(ref _counters.DatagramsDropped);

        // Each instrument asks for itself: a listener may enable one and not the other.
        if (_metrics.ServerDropped.Enabled)
        {
            _metrics.ServerDropped.Add(1, ServerTags.For(remote).DroppedSendFailed);
        }

        if (_metrics.ServerErrors.Enabled)
        {
            _metrics.ServerErrors.Add(1, ServerTags.For(remote).SendError);
        }

        if (_sendWarnings.TryEnter(out var suppressed))
        {
            Log.SendFailed(_logger, length, UdpSockets.ToEndPoint(remote), e.SocketErrorCode, suppressed);
        }
    }

    public void SubscriberFailed(SocketAddress remote, Exception e)
    {
        Interlocked.Increment(ref _counters.SubscriberErrors);
        if (_metrics.ServerErrors.Enabled)
        {
            _metrics.ServerErrors.Add(1, ServerTags.For(remote).SubscriberError);
        }

        if (_subscriberErrors.TryEnter(out var suppressed))
        {
            Log.SubscriberFailed(_logger, e, suppressed);
        }
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
