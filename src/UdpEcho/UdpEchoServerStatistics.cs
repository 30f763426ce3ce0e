namespace UdpEcho;

/// <summary>A snapshot of a <see cref="IUdpEchoServer"/>'s counters, from <see cref="IUdpEchoServer.GetStatistics"/>.</summary>
/// <remarks>The counters start at zero when the server is created and keep counting across stops and restarts.</remarks>
public sealed class UdpEchoServerStatistics
{
    /// <summary>Gets the number of datagrams received, including those that were dropped.</summary>
    public long DatagramsReceived { get; init; }

    /// <summary>Gets the number of payload bytes received. Datagrams larger than <see cref="UdpEchoServerOptions.MaxDatagramSize"/> add nothing: the kernel cut them short, so their size is unknown.</summary>
    public long BytesReceived { get; init; }

    /// <summary>Gets the number of datagrams echoed back to their sender.</summary>
    public long DatagramsEchoed { get; init; }

    /// <summary>Gets the number of payload bytes echoed.</summary>
    public long BytesEchoed { get; init; }

    /// <summary>Gets the number of datagrams received but not echoed, for any reason. It includes <see cref="DatagramsTruncated"/>.</summary>
    public long DatagramsDropped { get; init; }

    /// <summary>Gets the number of datagrams larger than <see cref="UdpEchoServerOptions.MaxDatagramSize"/>. They are dropped whole, never echoed in part.</summary>
    public long DatagramsTruncated { get; init; }

    /// <summary>Gets the number of errors the operating system reported on receive, such as ICMP errors for earlier sends. The server kept serving after each.</summary>
    public long ReceiveErrors { get; init; }

    /// <summary>Gets the number of echoes the operating system refused to send. Each such datagram is also counted in <see cref="DatagramsDropped"/>.</summary>
    public long SendErrors { get; init; }

    /// <summary>Gets the number of times a <see cref="IUdpEchoServer.MessageReceived"/> handler threw.</summary>
    public long SubscriberErrors { get; init; }

    /// <summary>Gets the number of datagrams dropped for their source port (0, below 1024, or 2049): the echo-loop defence, <see cref="UdpEchoServerOptions.FilterSourcePorts"/>.</summary>
    public long DroppedBySourcePort { get; init; }

    /// <summary>Gets the number of datagrams dropped for a source address that cannot be a real sender (<see cref="UdpEchoServerOptions.FilterSourceAddresses"/>).</summary>
    public long DroppedBySourceAddress { get; init; }

    /// <summary>Gets the number of datagrams dropped because their source is in none of <see cref="UdpEchoServerOptions.AllowedSources"/>.</summary>
    public long DroppedNotAllowed { get; init; }

    /// <summary>Gets the number of datagrams dropped by <see cref="UdpEchoServerOptions.RateLimitPerSource"/> or <see cref="UdpEchoServerOptions.GlobalRateLimit"/>.</summary>
    public long DroppedByRateLimit { get; init; }

    /// <summary>Gets the number of echoes lost on purpose by the impairment simulation.</summary>
    public long DroppedByImpairment { get; init; }

    /// <summary>Gets the number of delayed echoes still queued when the server stopped and its shutdown timeout ran out.</summary>
    public long DroppedAtShutdown { get; init; }
}
