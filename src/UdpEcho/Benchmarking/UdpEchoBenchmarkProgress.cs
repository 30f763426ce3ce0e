namespace UdpEcho;

/// <summary>
/// The running totals of a benchmark, reported through the <see cref="IProgress{T}"/> given to
/// <see cref="UdpEchoBenchmark.RunAsync(UdpEchoBenchmarkOptions, IProgress{UdpEchoBenchmarkProgress}, CancellationToken)"/>
/// about ten times a second.
/// </summary>
/// <remarks>
/// Reports come from the benchmark's own thread, which stops sending while a handler runs: hand the report off (to a
/// channel, for example) and return. Warm-up datagrams are not counted.
/// </remarks>
public readonly record struct UdpEchoBenchmarkProgress
{
    /// <summary>Gets the time since the end of the warm-up; zero during it.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Gets how many measured datagrams have been sent.</summary>
    public long Sent { get; init; }

    /// <summary>Gets how many measured datagrams have been answered by an intact echo within the timeout.</summary>
    public long Received { get; init; }

    /// <summary>Gets how many measured datagrams have timed out. Datagrams still in flight are neither received nor lost.</summary>
    public long Lost { get; init; }

    /// <summary>Gets how many echoes have differed from the datagram they named.</summary>
    public long Corrupt { get; init; }
}
