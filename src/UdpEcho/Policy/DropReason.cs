namespace UdpEcho.Policy;

/// <summary>Why the server did not echo a datagram; <see cref="None"/> means it did (or will).</summary>
/// <remarks>The values index <see cref="ServerCounters"/>' per-reason array and pick the metric tag, so keep them dense.</remarks>
internal enum DropReason
{
    /// <summary>Not dropped: echo it.</summary>
    None = 0,

    /// <summary>The source port is 0, below 1024, or 2049 (NFS), and not in <see cref="UdpEchoServerOptions.AllowedSourcePorts"/>: the echo-loop defence.</summary>
    SourcePort,

    /// <summary>The source address can never be a real sender: broadcast, multicast, 0.0.0.0/8, unspecified, or loopback seen off loopback.</summary>
    SourceAddress,

    /// <summary>The source address is in none of <see cref="UdpEchoServerOptions.AllowedSources"/>.</summary>
    NotAllowed,

    /// <summary>The per-source or global rate limit was exceeded.</summary>
    RateLimited,

    /// <summary>Larger than <see cref="UdpEchoServerOptions.MaxDatagramSize"/>.</summary>
    TooLarge,

    /// <summary>The operating system refused to send the echo.</summary>
    SendFailed,

    /// <summary>Lost on purpose by the impairment simulation.</summary>
    ImpairedLoss,

    /// <summary>Still queued (delayed) when the server stopped and the shutdown timeout ran out.</summary>
    Shutdown,
}
