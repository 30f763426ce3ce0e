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

    /// <summary>An echo that names this probe run but differs from what was sent: a changed byte, or a datagram cut short (the original C echo server keeps only 511 bytes). It counts as no echo.</summary>
    Corrupt = 4,
}
