using System.Net;
using System.Net.Sockets;

namespace UdpEcho.Transport;

/// <summary>What an engine does with a datagram once its loop's handler has seen it.</summary>
internal enum EchoAction
{
    /// <summary>Nothing more: it was dropped, or the handler took a copy to send later.</summary>
    None,

    /// <summary>Send the (possibly rewritten) bytes back to the sender now.</summary>
    Echo,

    /// <summary>Send them back now, after <see cref="EchoLoopHandler.StampTransmit"/> has written the transmit time into them.</summary>
    EchoStamped,
}

/// <summary>What the kernel said about one received datagram beside its bytes, where the engine can ask.</summary>
/// <param name="KernelTimestamp">When the kernel received it, in nanoseconds since the Unix epoch (<c>SO_TIMESTAMPNS</c>); 0 when unknown.</param>
/// <param name="Ttl">Its IPv4 TTL or IPv6 hop limit; -1 when unknown.</param>
internal readonly record struct ReceiveMetadata(long KernelTimestamp, int Ttl)
{
    public static readonly ReceiveMetadata None = new(0, -1);
}

/// <summary>Sends one datagram from a loop's socket, for echoes the handler sends later (delayed by the impairment simulation).</summary>
internal interface IEchoSender
{
    /// <summary>Sends <paramref name="payload"/> to <paramref name="remote"/>; returns <see cref="SocketError.Success"/> or why not.</summary>
    SocketError SendTo(ReadOnlySpan<byte> payload, SocketAddress remote);
}

/// <summary>
/// One receive loop's side of the contract between an engine and what the server does with datagrams. An engine
/// moves bytes and addresses; every decision (size, policy, impairment, protocol, counting, events) is the handler's.
/// One loop calls its handler from one thread at a time, so a handler keeps its state without locks.
/// </summary>
internal abstract class EchoLoopHandler
{
    /// <summary>Gets a value indicating whether the server is stopping: socket errors from then on are the stop, not faults.</summary>
    public abstract bool Stopping { get; }

    /// <summary>Gets a value indicating whether anyone listens to the server's event, so that <see cref="RaiseEchoed"/> is worth calling.</summary>
    public abstract bool HasSubscribers { get; }

    /// <summary>
    /// Gets when (a <see cref="System.Diagnostics.Stopwatch"/> timestamp) the loop must next call <see cref="SendDue"/>,
    /// or <see cref="long.MaxValue"/> when it need not. Only an engine whose loop can wake on time asks.
    /// </summary>
    public abstract long NextDue { get; }

    /// <summary>Decides about one datagram: <paramref name="payload"/> may be rewritten in place (same length) before it is echoed.</summary>
    /// <param name="remote">The sender.</param>
    /// <param name="payload">The datagram, cut to the largest size echoed when <paramref name="oversized"/>.</param>
    /// <param name="oversized">The datagram was larger than the largest size echoed (the kernel cut it short).</param>
    /// <param name="metadata">What the kernel said about it.</param>
    public abstract EchoAction OnDatagram(SocketAddress remote, Span<byte> payload, bool oversized, in ReceiveMetadata metadata);

    /// <summary>Writes the transmit time into a datagram that <see cref="OnDatagram"/> answered with <see cref="EchoAction.EchoStamped"/>, just before it is sent.</summary>
    public abstract void StampTransmit(Span<byte> payload);

    public abstract void OnEchoed(SocketAddress remote, int length);

    public abstract void OnSendFailed(SocketAddress remote, int length, SocketError error);

    /// <summary>The OS reported an error on receive (an ICMP error for an earlier echo, a passing shortage); the loop goes on.</summary>
    public abstract void OnReceiveFailed(SocketError error);

    /// <summary>The kernel says it has dropped <paramref name="total"/> datagrams for this loop's socket so far (its receive buffer was full).</summary>
    public abstract void OnKernelDrops(long total);

    /// <summary>Raises the server's event for a datagram that was just echoed.</summary>
    public abstract void RaiseEchoed(ReadOnlySpan<byte> payload, SocketAddress remote);

    /// <summary>Sends what is due at <paramref name="now"/> through <paramref name="sender"/>.</summary>
    public abstract void SendDue(long now, IEchoSender sender);

    /// <summary>The loop failed in a way it cannot recover from and ends.</summary>
    public abstract void OnFaulted(Exception exception);
}
