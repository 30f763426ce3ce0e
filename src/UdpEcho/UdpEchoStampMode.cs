namespace UdpEcho;

/// <summary>
/// Whether a server reflects STAMP (RFC 8762) test packets instead of echoing datagrams unchanged (see
/// <see cref="UdpEchoServerOptions.StampMode"/>), and whether a probe sends them, to which kind of reflector (see
/// <see cref="UdpEchoProbeOptions.StampMode"/>).
/// </summary>
public enum UdpEchoStampMode
{
    /// <summary>A plain echo server (RFC 862): every datagram goes back unchanged; a plain probe of tagged datagrams.</summary>
    None,

    /// <summary>A stateless STAMP Session-Reflector: each reply carries the sender's own sequence number.</summary>
    Stateless,

    /// <summary>
    /// A stateful STAMP Session-Reflector: each reply carries the reflector's own count for the session (the sender's
    /// address and port, the server's, and the SSID), from 0, so that a sender can tell which way a packet was lost.
    /// </summary>
    Stateful,
}
