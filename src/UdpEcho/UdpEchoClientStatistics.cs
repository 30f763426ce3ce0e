using UdpEcho.Probing;

namespace UdpEcho;

/// <summary>A snapshot of a <see cref="IUdpEchoClient"/>'s counters, from <see cref="IUdpEchoClient.GetStatistics"/>.</summary>
/// <remarks>
/// The counters start at zero when the client is created and cover calls and probes alike. Every datagram received is
/// either one of <see cref="Echoes"/> or one of <see cref="Unmatched"/>.
/// </remarks>
public sealed class UdpEchoClientStatistics
{
    /// <summary>Gets the number of datagrams sent: first attempts, retries and probes.</summary>
    public long DatagramsSent { get; init; }

    /// <summary>Gets the number of datagrams received.</summary>
    public long DatagramsReceived { get; init; }

    /// <summary>Gets the number of datagrams that completed a call or answered a probe in time.</summary>
    public long Echoes { get; init; }

    /// <summary>Gets the number of calls that got no echo within any attempt, and of probes that got none within their timeout.</summary>
    public long Timeouts { get; init; }

    /// <summary>Gets the number of datagrams sent again after an attempt timed out.</summary>
    public long Retries { get; init; }

    /// <summary>
    /// Gets the number of datagrams that completed no call and answered no probe: <see cref="Late"/>,
    /// <see cref="Duplicates"/>, <see cref="Corrupt"/>, <see cref="Foreign"/>, <see cref="Truncated"/>, and in exact-bytes mode those that
    /// cannot be told apart (<see cref="UdpEchoMessageKind.Unmatched"/>).
    /// </summary>
    public long Unmatched { get; init; }

    /// <summary>Gets the number of echoes that arrived after their call or probe had ended.</summary>
    public long Late { get; init; }

    /// <summary>Gets the number of second (and later) echoes of a datagram that was already answered.</summary>
    public long Duplicates { get; init; }

    /// <summary>Gets the number of datagrams that named a call or probe of this client but whose bytes differ from what was sent.</summary>
    public long Corrupt { get; init; }

    /// <summary>Gets the number of tagged-mode datagrams that carry no tag of this client.</summary>
    public long Foreign { get; init; }

    /// <summary>Gets the number of echoes cut short on the way: the start of a call's or probe's datagram, not all of it.</summary>
    public long Truncated { get; init; }

    /// <summary>Gives every counter by name.</summary>
    /// <returns>The counters on one line.</returns>
    public override string ToString() => Figures.Invariant(
        $"{DatagramsSent} sent, {DatagramsReceived} received, {Echoes} echoes, {Timeouts} timeouts, {Retries} retries, {Unmatched} unmatched ({Late} late, {Duplicates} duplicates, {Corrupt} corrupt, {Foreign} foreign, {Truncated} truncated)");
}
