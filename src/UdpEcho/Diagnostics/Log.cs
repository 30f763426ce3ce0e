using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace UdpEcho.Diagnostics;

/// <summary>
/// Every log line UdpEcho writes. Event ids are stable: 1xx server, 2xx client. Per-datagram events are
/// Trace/Debug; warnings that a flood could repeat go through a <see cref="LogThrottle"/>.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Information, "UDP echo server listening on {LocalEndPoint}", EventName = "ServerStarted")]
    public static partial void ServerStarted(ILogger logger, IPEndPoint localEndPoint);

    [LoggerMessage(101, LogLevel.Information, "UDP echo server on {LocalEndPoint} stopped", EventName = "ServerStopped")]
    public static partial void ServerStopped(ILogger logger, IPEndPoint localEndPoint);

    [LoggerMessage(102, LogLevel.Trace, "Echoed {Bytes} bytes to {RemoteEndPoint}", EventName = "DatagramEchoed")]
    public static partial void DatagramEchoed(ILogger logger, int bytes, IPEndPoint remoteEndPoint);

    [LoggerMessage(103, LogLevel.Debug, "Dropped a datagram from {RemoteEndPoint} larger than MaxDatagramSize ({MaxDatagramSize} bytes) ({Suppressed} similar drops not logged)", EventName = "DatagramTruncated")]
    public static partial void DatagramTruncated(ILogger logger, IPEndPoint remoteEndPoint, int maxDatagramSize, long suppressed);

    [LoggerMessage(104, LogLevel.Warning, "Receive failed with {SocketError}; the server keeps serving ({Suppressed} similar warnings suppressed)", EventName = "ReceiveFailed")]
    public static partial void ReceiveFailed(ILogger logger, SocketError socketError, long suppressed);

    [LoggerMessage(105, LogLevel.Warning, "Sending an echo of {Bytes} bytes to {RemoteEndPoint} failed with {SocketError} ({Suppressed} similar warnings suppressed)", EventName = "SendFailed")]
    public static partial void SendFailed(ILogger logger, int bytes, IPEndPoint remoteEndPoint, SocketError socketError, long suppressed);

    [LoggerMessage(106, LogLevel.Error, "A MessageReceived handler threw; the server keeps serving ({Suppressed} similar errors suppressed)", EventName = "SubscriberFailed")]
    public static partial void SubscriberFailed(ILogger logger, Exception exception, long suppressed);

    [LoggerMessage(107, LogLevel.Critical, "The receive loop of the UDP echo server on {LocalEndPoint} failed and stopped", EventName = "ServerFaulted")]
    public static partial void ServerFaulted(ILogger logger, Exception exception, IPEndPoint localEndPoint);

    [LoggerMessage(108, LogLevel.Warning, "Dropped a datagram from {RemoteEndPoint}: source port {SourcePort} is 0, below 1024 or 2049 (echo-loop defence; AllowedSourcePorts opens single ports) ({Suppressed} similar drops not logged)", EventName = "SourcePortDropped")]
    public static partial void SourcePortDropped(ILogger logger, IPEndPoint remoteEndPoint, int sourcePort, long suppressed);

    [LoggerMessage(109, LogLevel.Warning, "Dropped a datagram from {RemoteEndPoint}: the source address cannot be a real sender (broadcast, multicast, 0.0.0.0/8, unspecified, or loopback off loopback) ({Suppressed} similar drops not logged)", EventName = "SourceAddressDropped")]
    public static partial void SourceAddressDropped(ILogger logger, IPEndPoint remoteEndPoint, long suppressed);

    [LoggerMessage(110, LogLevel.Debug, "Dropped a datagram from {RemoteEndPoint}: not in AllowedSources ({Suppressed} similar drops not logged)", EventName = "SourceNotAllowed")]
    public static partial void SourceNotAllowed(ILogger logger, IPEndPoint remoteEndPoint, long suppressed);

    [LoggerMessage(111, LogLevel.Warning, "Dropped a datagram from {RemoteEndPoint}: rate limit exceeded ({Suppressed} similar drops not logged)", EventName = "RateLimited")]
    public static partial void RateLimited(ILogger logger, IPEndPoint remoteEndPoint, long suppressed);

    [LoggerMessage(112, LogLevel.Debug, "Lost an echo to {RemoteEndPoint} on purpose (impairment simulation) ({Suppressed} similar drops not logged)", EventName = "ImpairedLoss")]
    public static partial void ImpairedLoss(ILogger logger, IPEndPoint remoteEndPoint, long suppressed);

    [LoggerMessage(113, LogLevel.Warning, "UDP echo server on {LocalEndPoint} stopped with {Count} delayed echoes still queued after ShutdownTimeout; they were dropped", EventName = "ShutdownDropped")]
    public static partial void ShutdownDropped(ILogger logger, IPEndPoint localEndPoint, int count);

    [LoggerMessage(114, LogLevel.Warning, "Dropped a datagram from {RemoteEndPoint}: loop guard (the source is this server's own endpoint, or an echo peer that keeps sending back exactly what it was sent) ({Suppressed} similar drops not logged)", EventName = "LoopGuardDropped")]
    public static partial void LoopGuardDropped(ILogger logger, IPEndPoint remoteEndPoint, long suppressed);

    [LoggerMessage(115, LogLevel.Warning, "Dropped a datagram from {RemoteEndPoint}: the impairment queue is full (Impairment.MaxQueuedEchoes, MaxQueuedBytes, or the bandwidth limit's backlog) ({Suppressed} similar drops not logged)", EventName = "ImpairmentQueueFull")]
    public static partial void QueueFull(ILogger logger, IPEndPoint remoteEndPoint, long suppressed);

    [LoggerMessage(116, LogLevel.Debug, "Dropped a datagram from {RemoteEndPoint}: shorter than a STAMP test packet (44 bytes) ({Suppressed} similar drops not logged)", EventName = "TooShort")]
    public static partial void TooShort(ILogger logger, IPEndPoint remoteEndPoint, long suppressed);

    [LoggerMessage(117, LogLevel.Warning, "The kernel dropped {Count} datagrams for the UDP echo server on {LocalEndPoint} because its receive buffer was full (ReceiveBufferSize; net.core.rmem_max caps it) ({Suppressed} similar warnings suppressed)", EventName = "KernelDropped")]
    public static partial void KernelDropped(ILogger logger, IPEndPoint localEndPoint, long count, long suppressed);

    [LoggerMessage(118, LogLevel.Information, "The {Which} buffer of the UDP echo server on {LocalEndPoint} is {Granted} bytes, not the {Requested} asked for by default: the kernel caps it at {Sysctl}; raise that for longer bursts", EventName = "BufferCapped")]
    public static partial void BufferCapped(ILogger logger, string which, IPEndPoint localEndPoint, int requested, int granted, string sysctl);

    [LoggerMessage(119, LogLevel.Warning, "The {Which} buffer of the UDP echo server on {LocalEndPoint} is {Granted} bytes, not the {Requested} configured: the kernel caps it at {Sysctl}", EventName = "BufferCappedExplicit")]
    public static partial void BufferCappedExplicit(ILogger logger, string which, IPEndPoint localEndPoint, int requested, int granted, string sysctl);

    [LoggerMessage(200, LogLevel.Debug, "UDP echo client bound to {LocalEndPoint}, talking to {RemoteEndPoint}", EventName = "ClientConnected")]
    public static partial void ClientConnected(ILogger logger, EndPoint? localEndPoint, IPEndPoint remoteEndPoint);

    [LoggerMessage(201, LogLevel.Debug, "Received {Bytes} bytes that completed no call: {Kind}", EventName = "UnmatchedDatagram")]
    public static partial void UnmatchedDatagram(ILogger logger, int bytes, UdpEchoMessageKind kind);

    [LoggerMessage(202, LogLevel.Warning, "Nothing listens at {RemoteEndPoint}: {SocketError}", EventName = "DestinationUnreachable")]
    public static partial void DestinationUnreachable(ILogger logger, IPEndPoint remoteEndPoint, SocketError socketError);

    [LoggerMessage(203, LogLevel.Error, "A MessageReceived handler of the client threw ({Suppressed} similar errors suppressed)", EventName = "ClientSubscriberFailed")]
    public static partial void ClientSubscriberFailed(ILogger logger, Exception exception, long suppressed);

    [LoggerMessage(205, LogLevel.Debug, "Probe of {RemoteEndPoint} done: {Sent} sent, {Received} received, {LossPercent:0.###}% lost, p50 {P50Microseconds:0.#} µs", EventName = "ProbeCompleted")]
    public static partial void ProbeCompleted(ILogger logger, IPEndPoint remoteEndPoint, long sent, long received, double lossPercent, double p50Microseconds);

    [LoggerMessage(204, LogLevel.Critical, "The receive loop of the UDP echo client for {RemoteEndPoint} failed; calls in flight fail", EventName = "ClientFaulted")]
    public static partial void ClientFaulted(ILogger logger, Exception exception, IPEndPoint remoteEndPoint);
}
