namespace UdpEcho;

/// <summary>How a <see cref="UdpEchoClient"/> tells which call an arriving echo answers.</summary>
public enum UdpEchoMatching
{
    /// <summary>
    /// The datagram is the caller's payload, unchanged. An echo carries no id, so it completes the oldest call in
    /// flight whose payload is byte-for-byte equal to it (first in, first out among identical payloads). Works with
    /// any echo server and any payload, but calls with identical payloads are interchangeable: a late or duplicated
    /// echo of one can complete another, and an unmatched datagram cannot be told apart as late, duplicate, corrupt
    /// or foreign.
    /// </summary>
    ExactBytes = 0,

    /// <summary>
    /// The client puts a 24-byte header in front of the caller's payload: a magic number, a sequence number that is
    /// new for every attempt, and the send timestamp. Any echo server reflects it. Each echo then completes exactly
    /// the call it answers, the round-trip time is exact per attempt even with retries, and every unmatched datagram
    /// is classified as late, duplicate, corrupt or foreign. The payload may be at most 24 bytes shorter.
    /// </summary>
    Tagged = 1,
}
