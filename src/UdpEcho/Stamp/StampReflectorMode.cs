namespace UdpEcho.Stamp;

/// <summary>How a Session-Reflector numbers its replies (RFC 8762 §4.3).</summary>
internal enum StampReflectorMode
{
    /// <summary>The reply carries the sender's sequence number: the sender can count round-trip loss only.</summary>
    Stateless,

    /// <summary>
    /// The reply carries the reflector's own count for the session, from 0: the sender can tell a test packet lost on the
    /// way out (the count did not advance) from a reply lost on the way back (it did).
    /// </summary>
    Stateful,
}
