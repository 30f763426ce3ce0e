using System.Globalization;
using System.Text;

namespace UdpEcho;

/// <summary>A snapshot of a <see cref="IUdpEchoServer"/>'s counters, from <see cref="IUdpEchoServer.GetStatistics"/>.</summary>
/// <remarks>
/// The counters start at zero when the server is created and keep counting across stops and restarts.
/// <see cref="DatagramsDropped"/> is exactly the sum of the reasons: <see cref="DroppedTooLarge"/>,
/// <see cref="SendErrors"/> and every <c>Dropped…</c> counter except <see cref="DroppedByKernel"/>, which counts
/// datagrams that never reached the server (and so are not in <see cref="DatagramsReceived"/> either).
/// </remarks>
public sealed class UdpEchoServerStatistics
{
    /// <summary>Gets the number of datagrams received, including those that were dropped.</summary>
    public long DatagramsReceived { get; init; }

    /// <summary>Gets the number of payload bytes received. Datagrams larger than <see cref="UdpEchoServerOptions.MaxDatagramSize"/> add nothing: the kernel cut them short, so their size is unknown.</summary>
    public long BytesReceived { get; init; }

    /// <summary>Gets the number of datagrams echoed back to their sender.</summary>
    public long DatagramsEchoed { get; init; }

    /// <summary>Gets the number of payload bytes echoed.</summary>
    public long BytesEchoed { get; init; }

    /// <summary>Gets the number of datagrams received but not echoed, for any reason: the sum of the reasons (see the remarks).</summary>
    public long DatagramsDropped { get; init; }

    /// <summary>Gets the number of datagrams larger than <see cref="UdpEchoServerOptions.MaxDatagramSize"/>. They are dropped whole, never echoed in part.</summary>
    public long DroppedTooLarge { get; init; }

    /// <summary>Gets the number of errors the operating system reported on receive, such as ICMP errors for earlier sends. The server kept serving after each.</summary>
    public long ReceiveErrors { get; init; }

    /// <summary>Gets the number of echoes the operating system refused to send. Each such datagram is also counted in <see cref="DatagramsDropped"/>.</summary>
    public long SendErrors { get; init; }

    /// <summary>Gets the number of times a <see cref="IUdpEchoServer.MessageReceived"/> handler threw.</summary>
    public long SubscriberErrors { get; init; }

    /// <summary>Gets the number of datagrams dropped for their source port (0, below 1024, or 2049): the echo-loop defence, <see cref="UdpEchoServerOptions.FilterSourcePorts"/>.</summary>
    public long DroppedBySourcePort { get; init; }

    /// <summary>Gets the number of datagrams dropped for a source address that cannot be a real sender (<see cref="UdpEchoServerOptions.FilterSourceAddresses"/>).</summary>
    public long DroppedBySourceAddress { get; init; }

    /// <summary>Gets the number of datagrams dropped because their source is in none of <see cref="UdpEchoServerOptions.AllowedSources"/>.</summary>
    public long DroppedNotAllowed { get; init; }

    /// <summary>Gets the number of datagrams dropped by <see cref="UdpEchoServerOptions.RateLimitPerSource"/> or <see cref="UdpEchoServerOptions.GlobalRateLimit"/>.</summary>
    public long DroppedByRateLimit { get; init; }

    /// <summary>Gets the number of datagrams dropped by the loop guard: sent from the server's own endpoint, or by a peer that kept sending back exactly what it was sent (<see cref="UdpEchoServerOptions.LoopGuard"/>).</summary>
    public long DroppedByLoopGuard { get; init; }

    /// <summary>Gets the number of echoes lost on purpose by the impairment simulation.</summary>
    public long DroppedByImpairment { get; init; }

    /// <summary>Gets the number of echoes dropped because the impairment simulation's queue was full (<see cref="UdpEchoImpairmentOptions.MaxQueuedEchoes"/>, <see cref="UdpEchoImpairmentOptions.MaxQueuedBytes"/>, or the bandwidth limit's backlog).</summary>
    public long DroppedByQueueLimit { get; init; }

    /// <summary>Gets the number of datagrams dropped because they were shorter than a STAMP test packet (44 bytes), when the server is a STAMP reflector (<see cref="UdpEchoServerOptions.StampMode"/>).</summary>
    public long DroppedTooShort { get; init; }

    /// <summary>Gets the number of delayed echoes still queued when the server stopped and its shutdown timeout ran out, and datagrams that arrived while it stopped.</summary>
    public long DroppedAtShutdown { get; init; }

    /// <summary>
    /// Gets the number of datagrams the operating system dropped before the server could read them, because the socket's
    /// receive buffer was full (read from the kernel's own counter on Linux, <c>SO_RXQ_OVFL</c>/<c>SO_MEMINFO</c>; 0
    /// elsewhere). They are not in <see cref="DatagramsReceived"/> nor in <see cref="DatagramsDropped"/>. A larger
    /// <see cref="UdpEchoServerOptions.ReceiveBufferSize"/> absorbs longer bursts.
    /// </summary>
    public long DroppedByKernel { get; init; }

    /// <summary>
    /// Gets the number of echoes the impairment simulation sent from its queue: after a delay, a wait for bandwidth, or
    /// a hold (reordering), and every copy of a duplicated echo (due at once, but queued like the others).
    /// </summary>
    public long DelayedEchoes { get; init; }

    /// <summary>Gets the median of how late delayed echoes went out against their due time: the simulator's own error. Zero when none was delayed.</summary>
    public TimeSpan DelayLatenessP50 { get; init; }

    /// <summary>Gets the 99th percentile of how late delayed echoes went out against their due time.</summary>
    public TimeSpan DelayLatenessP99 { get; init; }

    /// <summary>Gets the latest a delayed echo went out against its due time.</summary>
    public TimeSpan DelayLatenessMax { get; init; }

    /// <summary>Gives the figures on one line, as <c>udpecho serve</c> prints them.</summary>
    /// <returns>For example <c>received 10 datagrams (640 bytes), echoed 9 (576 bytes), dropped 1 (1 rate limited), kernel drops 0, errors: 0 receive, 0 send, 0 subscriber</c>.</returns>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"received {DatagramsReceived} datagrams ({BytesReceived} bytes), echoed {DatagramsEchoed} ({BytesEchoed} bytes), dropped {DatagramsDropped}");
        var reasons = DropReasons().Where(r => r.Count > 0).Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Count} {r.Name}")).ToList();
        if (reasons.Count > 0)
        {
            text.Append(" (").AppendJoin(", ", reasons).Append(')');
        }

        text.Append(CultureInfo.InvariantCulture, $", kernel drops {DroppedByKernel}, errors: {ReceiveErrors} receive, {SendErrors} send, {SubscriberErrors} subscriber");
        if (DelayedEchoes > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $", sent from the impairment queue {DelayedEchoes} (late by p50 {DelayLatenessP50.TotalMilliseconds:0.000} ms, p99 {DelayLatenessP99.TotalMilliseconds:0.000} ms, max {DelayLatenessMax.TotalMilliseconds:0.000} ms)");
        }

        return text.ToString();
    }

    /// <summary>Every reason a received datagram was not echoed, with its count; their sum is <see cref="DatagramsDropped"/>.</summary>
    internal IEnumerable<(string Name, long Count)> DropReasons() =>
    [
        ("too large", DroppedTooLarge),
        ("source port", DroppedBySourcePort),
        ("source address", DroppedBySourceAddress),
        ("not allowed", DroppedNotAllowed),
        ("rate limited", DroppedByRateLimit),
        ("loop guard", DroppedByLoopGuard),
        ("lost on purpose", DroppedByImpairment),
        ("queue full", DroppedByQueueLimit),
        ("too short", DroppedTooShort),
        ("send failed", SendErrors),
        ("at shutdown", DroppedAtShutdown),
    ];
}
