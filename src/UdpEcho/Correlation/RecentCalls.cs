namespace UdpEcho.Correlation;

/// <summary>
/// How the last <see cref="Capacity"/> tagged calls ended, so that an echo of a call no longer in flight can be told
/// apart: a second echo of the attempt that completed the call is a duplicate; any other is late.
/// </summary>
/// <remarks>
/// Older calls have been forgotten; their echoes count as late, which is what they almost always are: the network
/// duplicates a datagram within microseconds, while a late echo can take any time. Not thread-safe.
/// </remarks>
internal sealed class RecentCalls
{
    public const int Capacity = 1024;

    private readonly long[] _calls = new long[Capacity];
    private readonly int[] _answeredAttempts = new int[Capacity];

    /// <summary>Remembers how a call ended: answered through <paramref name="answeredAttempt"/>, or 0 when it got no echo.</summary>
    public void Record(long callNumber, int answeredAttempt)
    {
        var slot = (int)(callNumber & (Capacity - 1));
        _calls[slot] = callNumber + 1; // 0 marks an empty slot
        _answeredAttempts[slot] = answeredAttempt;
    }

    public UdpEchoMessageKind Classify(long callNumber, int attempt)
    {
        var slot = (int)(callNumber & (Capacity - 1));
        return _calls[slot] == callNumber + 1 && _answeredAttempts[slot] == attempt
            ? UdpEchoMessageKind.Duplicate
            : UdpEchoMessageKind.Late;
    }
}
