using System.Net;
using System.Net.Sockets;

namespace UdpEcho.Correlation;

/// <summary>
/// What calls and probes need of the connection they run on: its socket, its peer, the counters and measurements they
/// add to. The client's connection (namespace <c>UdpEcho.Client</c>, above this one) implements it, so that calls and
/// probes never depend on the connection that dispatches to them.
/// </summary>
internal interface IEchoConnection
{
    IPEndPoint Remote { get; }

    ClientCounters Counters { get; }

    /// <summary>Gets a value indicating whether the client is being disposed: socket errors then mean "disposed".</summary>
    bool Closing { get; }

    /// <summary>Sends one datagram, synchronously: a UDP send returns once the kernel has it.</summary>
    /// <returns>How it went; <see cref="SocketError.OperationAborted"/> when the socket was closed.</returns>
    SocketError Send(ReadOnlySpan<byte> datagram);

    /// <summary>The error for a destination that reported that nothing listens there.</summary>
    UdpEchoException Unreachable(SocketException e);

    void RecordRoundTrip(TimeSpan roundTrip);

    void RecordRetry();

    void RecordTimeout();
}
