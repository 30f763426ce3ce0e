namespace UdpEcho;

/// <summary>What happened to one probe, or to one echo of it, in <see cref="UdpEchoProbeProgress.Outcome"/>.</summary>
public enum UdpEchoProbeOutcome
{
    /// <summary>Its first echo arrived less than <see cref="UdpEchoProbeOptions.Timeout"/> after its send: the probe is received.</summary>
    Answered = 0,

    /// <summary>No echo arrived within <see cref="UdpEchoProbeOptions.Timeout"/>: the probe is lost.</summary>
    TimedOut = 1,

    /// <summary>A further echo of a probe whose echo had already arrived.</summary>
    Duplicate = 2,

    /// <summary>The first echo of a probe that had already timed out. The probe stays lost.</summary>
    Late = 3,

    /// <summary>An echo that names this probe run but differs from what was sent: a changed byte, a byte too many, a send time or a number that is not the probe's. It counts as no echo.</summary>
    Corrupt = 4,

    /// <summary>
    /// The start of the probe's datagram came back, and no more: the server or the path cut it short (xinetd keeps 2048
    /// bytes, the original C echo server 511). The probe is lost at once, without waiting for its timeout.
    /// </summary>
    Truncated = 5,

    /// <summary>
    /// The destination reported that nothing listens there (an ICMP error); the oldest probe in flight, which the report
    /// most likely answers, is lost at once, and the probe goes on.
    /// </summary>
    Unreachable = 6,
}
