using System.Net;
using System.Net.Sockets;
using UdpEcho.Policy;

namespace UdpEcho.Diagnostics;

/// <summary>
/// The tag arrays of the server's measurements for one IP version, built once so that recording allocates nothing.
/// </summary>
internal sealed class ServerTags(bool ipv6)
{
    public static readonly ServerTags IPv4 = new(ipv6: false);
    public static readonly ServerTags IPv6 = new(ipv6: true);

    public KeyValuePair<string, object?>[] Received { get; } = UdpEchoMetrics.Tags(ipv6, "network.io.direction", "receive");

    public KeyValuePair<string, object?>[] Sent { get; } = UdpEchoMetrics.Tags(ipv6, "network.io.direction", "transmit");

    public KeyValuePair<string, object?>[] DroppedTooLarge { get; } = UdpEchoMetrics.Tags(ipv6, "udpecho.drop.reason", "too_large");

    public KeyValuePair<string, object?>[] DroppedSendFailed { get; } = UdpEchoMetrics.Tags(ipv6, "udpecho.drop.reason", "send_failed");

    public KeyValuePair<string, object?>[] DroppedSourcePort { get; } = UdpEchoMetrics.Tags(ipv6, "udpecho.drop.reason", "source_port");

    public KeyValuePair<string, object?>[] DroppedSourceAddress { get; } = UdpEchoMetrics.Tags(ipv6, "udpecho.drop.reason", "source_address");

    public KeyValuePair<string, object?>[] DroppedNotAllowed { get; } = UdpEchoMetrics.Tags(ipv6, "udpecho.drop.reason", "not_allowed");

    public KeyValuePair<string, object?>[] DroppedRateLimited { get; } = UdpEchoMetrics.Tags(ipv6, "udpecho.drop.reason", "rate_limited");

    public KeyValuePair<string, object?>[] DroppedImpairedLoss { get; } = UdpEchoMetrics.Tags(ipv6, "udpecho.drop.reason", "impaired_loss");

    public KeyValuePair<string, object?>[] DroppedShutdown { get; } = UdpEchoMetrics.Tags(ipv6, "udpecho.drop.reason", "shutdown");

    public KeyValuePair<string, object?>[] DroppedLoopGuard { get; } = UdpEchoMetrics.Tags(ipv6, "udpecho.drop.reason", "loop_guard");

    public KeyValuePair<string, object?>[] DroppedQueueFull { get; } = UdpEchoMetrics.Tags(ipv6, "udpecho.drop.reason", "queue_full");

    public KeyValuePair<string, object?>[] DroppedTooShort { get; } = UdpEchoMetrics.Tags(ipv6, "udpecho.drop.reason", "too_short");

    /// <summary>
    /// The tags of datagrams the kernel dropped before the server could read them (its receive buffer was full). The
    /// kernel only counts them, so there is no IP version to tell.
    /// </summary>
    public static KeyValuePair<string, object?>[] ReceiveBufferFull { get; } =
        [new("network.transport", "udp"), new("udpecho.drop.reason", "receive_buffer_full")];

    /// <summary>
    /// The tags of a failed receive. No datagram came with it, so there is no IP version to tell: only the transport,
    /// as OpenTelemetry allows when the version is unknown.
    /// </summary>
    public static KeyValuePair<string, object?>[] ReceiveError { get; } =
        [new("network.transport", "udp"), new("error.type", "receive")];

    /// <summary>The tags of the impairment simulation's lateness: how late a delayed echo went out, whatever its IP version.</summary>
    public static KeyValuePair<string, object?>[] Lateness { get; } = [new("network.transport", "udp")];

    public KeyValuePair<string, object?>[] SendError { get; } = UdpEchoMetrics.Tags(ipv6, "error.type", "send");

    public KeyValuePair<string, object?>[] SubscriberError { get; } = UdpEchoMetrics.Tags(ipv6, "error.type", "subscriber");

    /// <summary>The tags of a drop for <paramref name="reason"/>.</summary>
    public KeyValuePair<string, object?>[] Dropped(DropReason reason) => reason switch
    {
        DropReason.SourcePort => DroppedSourcePort,
        DropReason.SourceAddress => DroppedSourceAddress,
        DropReason.NotAllowed => DroppedNotAllowed,
        DropReason.RateLimited => DroppedRateLimited,
        DropReason.TooLarge => DroppedTooLarge,
        DropReason.SendFailed => DroppedSendFailed,
        DropReason.ImpairedLoss => DroppedImpairedLoss,
        DropReason.Shutdown => DroppedShutdown,
        DropReason.LoopGuard => DroppedLoopGuard,
        DropReason.QueueFull => DroppedQueueFull,
        DropReason.TooShort => DroppedTooShort,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    /// <summary>Picks the IP version of one datagram: on a dual-mode socket, an IPv4-mapped sender is IPv4 on the wire.</summary>
    public static ServerTags For(SocketAddress remote)
    {
        if (remote.Family != AddressFamily.InterNetworkV6)
        {
            return IPv4;
        }

        // sockaddr_in6: family (2), port (2), flow info (4), then the address; ::ffff:a.b.c.d is 10 zero bytes and 0xFFFF.
        var address = remote.Buffer.Span.Slice(8, 16);
        return address[..10].IndexOfAnyExcept((byte)0) < 0 && address[10] == 0xFF && address[11] == 0xFF ? IPv4 : IPv6;
    }
}
