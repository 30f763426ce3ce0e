using System.Net;
using System.Net.Sockets;
using UdpEcho.Diagnostics;
using UdpEcho.Policy;

namespace UdpEcho.Transport;

/// <summary>
/// What every receive loop of one server run shares, whatever its engine: the socket, the policy, the impairment, the
/// reporter and the way back to the server's event. <see cref="Admit"/> holds the one decision each engine makes per
/// datagram, so that the engines differ only in how they move bytes.
/// </summary>
internal sealed class EchoLoopContext(
    Socket socket,
    IPEndPoint localEndPoint,
    int maxDatagramSize,
    ServerReporter report,
    EchoPolicy? policy,
    TimeProvider time,
    UdpEchoServer server)
{
    public Socket Socket { get; } = socket;

    public IPEndPoint LocalEndPoint { get; } = localEndPoint;

    public int MaxDatagramSize { get; } = maxDatagramSize;

    public ServerReporter Report { get; } = report;

    public Impairment? Impairment { get; set; }

    /// <summary>Set once a stop has begun: socket errors from then on are the stop, not faults.</summary>
    public volatile bool Stopping;

    /// <summary>Set while delayed echoes drain at stop: new datagrams are dropped (counted as shutdown) instead of queued.</summary>
    public volatile bool Draining;

    public bool HasSubscribers => server.HasMessageReceivedSubscribers;

    /// <summary>
    /// Counts a datagram that arrived and decides its fate: <see langword="true"/> when the caller must echo
    /// <paramref name="payload"/> now (and raise the event after); <see langword="false"/> when it was dropped, or
    /// handed to the impairment simulation (which echoes it later and whose event is raised here).
    /// </summary>
    /// <param name="remote">The sender.</param>
    /// <param name="payload">The datagram; ignored when <paramref name="oversized"/>.</param>
    /// <param name="oversized">The datagram did not fit <see cref="MaxDatagramSize"/> (the kernel cut it short).</param>
    public bool Admit(SocketAddress remote, ReadOnlySpan<byte> payload, bool oversized)
    {
        if (oversized)
        {
            Report.Oversized(remote, MaxDatagramSize);
            return false;
        }

        Report.Received(remote, payload.Length);
        if (policy is not null)
        {
            var verdict = policy.Check(remote.Buffer.Span[..remote.Size], policy.UsesTime ? time.GetTimestamp() : 0);
            if (verdict != DropReason.None)
            {
                Report.Dropped(remote, verdict);
                return false;
            }
        }

        if (Impairment is not { } impairment)
        {
            return true;
        }

        if (Draining)
        {
            Report.Dropped(remote, DropReason.Shutdown);
            return false;
        }

        if (!impairment.Submit(payload, remote, time.GetTimestamp()))
        {
            Report.Dropped(remote, DropReason.ImpairedLoss);
        }

        RaiseMessageReceived(payload, remote);
        return false;
    }

    /// <summary>Raises the server's <see cref="UdpEchoServer.MessageReceived"/> event, if anyone listens.</summary>
    public void RaiseMessageReceived(ReadOnlySpan<byte> payload, SocketAddress remote)
    {
        if (server.HasMessageReceivedSubscribers)
        {
            server.RaiseMessageReceived(payload, remote);
        }
    }
}
