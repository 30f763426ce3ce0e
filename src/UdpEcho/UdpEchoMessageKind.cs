namespace UdpEcho;

/// <summary>What a datagram that a client received turned out to be, in <see cref="UdpEchoMessageReceivedEventArgs.Kind"/>.</summary>
/// <remarks>
/// What can be known depends on <see cref="UdpEchoClientOptions.Matching"/>. Probe datagrams are always tagged, so
/// their echoes are classified fully in either mode; so are the replies to a running STAMP probe's test packets, which
/// the probe recognizes by their SSID, sequence and send timestamp.
/// <list type="table">
///   <listheader><term>Kind</term><description>Exact bytes / tagged</description></listheader>
///   <item><term><see cref="Echo"/></term><description>both</description></item>
///   <item><term><see cref="Unmatched"/></term><description>exact bytes only: every datagram that completed no call</description></item>
///   <item><term><see cref="Late"/>, <see cref="Duplicate"/>, <see cref="Corrupt"/>, <see cref="Foreign"/></term><description>tagged calls and probes only</description></item>
///   <item><term><see cref="Truncated"/></term><description>both</description></item>
/// </list>
/// </remarks>
public enum UdpEchoMessageKind
{
    /// <summary>Not classified: every datagram a server receives.</summary>
    None = 0,

    /// <summary>The echo that completed a call or answered a probe in time.</summary>
    Echo,

    /// <summary>
    /// In exact-bytes mode, a datagram equal to no call in flight. Its bytes alone cannot say whether it was a late
    /// echo, a duplicate, a corrupted echo or a stranger's datagram.
    /// </summary>
    Unmatched,

    /// <summary>The echo of a datagram whose call or probe had already ended: timed out, cancelled, or answered through another attempt.</summary>
    Late,

    /// <summary>A second echo of a datagram that was already answered.</summary>
    Duplicate,

    /// <summary>A datagram that names a call or probe of this client but whose bytes differ from what was sent, for example one cut short by a server with a small buffer.</summary>
    Corrupt,

    /// <summary>A datagram that carries no tag of this client: not an echo of anything it sent.</summary>
    Foreign,

    /// <summary>
    /// The start of a datagram in flight, cut short by the server or something on the path (xinetd keeps 2048 bytes,
    /// the original C server 511): a strict prefix of a call's payload in exact-bytes mode, an echo shorter than the
    /// call or probe its tag names in tagged mode. The call fails at once; the probe counts it as truncated and lost.
    /// </summary>
    Truncated,
}
