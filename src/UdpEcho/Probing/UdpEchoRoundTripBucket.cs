namespace UdpEcho;

/// <summary>
/// One bucket of the round-trip histogram in <see cref="UdpEchoRoundTripStatistics.Histogram"/>: how many round trips
/// fell from <see cref="Lowest"/> to <see cref="Highest"/>, both included.
/// </summary>
/// <remarks>
/// The buckets are HdrHistogram's at three significant digits (each at most 1/1024 of its values wide), measured in
/// nanoseconds and shown here as <see cref="TimeSpan"/>s, which resolve 100 ns: below a microsecond, neighbouring
/// buckets may show the same bounds.
/// </remarks>
public readonly record struct UdpEchoRoundTripBucket
{
    /// <summary>Gets the shortest round trip the bucket holds.</summary>
    public TimeSpan Lowest { get; init; }

    /// <summary>Gets the longest round trip the bucket holds.</summary>
    public TimeSpan Highest { get; init; }

    /// <summary>Gets how many round trips fell in the bucket.</summary>
    public long Count { get; init; }
}
