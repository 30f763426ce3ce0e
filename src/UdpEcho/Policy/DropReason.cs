namespace UdpEcho.Policy;

/// <summary>Why a received datagram was not echoed. Each has its own statistic, metric tag and log line.</summary>
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

    /// <summary>Still queued (delayed) when the server stopped and the shutdown timeout ran out, or arrived while it stopped.</summary>
    Shutdown,

    /// <summary>The loop guard: the source is the server itself, or a peer that keeps sending back exactly what it was sent.</summary>
    LoopGuard,

    /// <summary>The impairment simulation's queue (delayed echoes, or the bandwidth limit's backlog) was full.</summary>
    QueueFull,

    /// <summary>Shorter than the protocol's smallest packet (a STAMP test packet is at least 44 bytes).</summary>
    TooShort,
}

/// <summary>The number of <see cref="DropReason"/> values, <see cref="DropReason.None"/> included.</summary>
internal static class DropReasons
{
    public const int Count = (int)DropReason.TooShort + 1;
}
