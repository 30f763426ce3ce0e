namespace UdpEcho.Correlation;

/// <summary>The client's running totals. Fields are only written with <see cref="Interlocked"/>: calls, probes and the receive loop share them.</summary>
internal sealed class ClientCounters
{
    public long DatagramsSent;
    public long DatagramsReceived;
    public long Echoes;
    public long Timeouts;
    public long Retries;
    public long Unmatched;
    public long Late;
    public long Duplicates;
    public long Corrupt;
    public long Foreign;
    public long Truncated;

    /// <summary>Counts a datagram that completed nothing, under its kind.</summary>
    public void CountUnmatched(UdpEchoMessageKind kind)
    {
        Interlocked.Increment(ref Unmatched);
        switch (kind)
        {
            case UdpEchoMessageKind.Late:
                Interlocked.Increment(ref Late);
                break;
            case UdpEchoMessageKind.Duplicate:
                Interlocked.Increment(ref Duplicates);
                break;
            case UdpEchoMessageKind.Corrupt:
                Interlocked.Increment(ref Corrupt);
                break;
            case UdpEchoMessageKind.Foreign:
                Interlocked.Increment(ref Foreign);
                break;
            case UdpEchoMessageKind.Truncated:
                Interlocked.Increment(ref Truncated);
                break;
        }
    }

    public UdpEchoClientStatistics Snapshot() => new()
    {
        DatagramsSent = Interlocked.Read(ref DatagramsSent),
        DatagramsReceived = Interlocked.Read(ref DatagramsReceived),
        Echoes = Interlocked.Read(ref Echoes),
        Timeouts = Interlocked.Read(ref Timeouts),
        Retries = Interlocked.Read(ref Retries),
        Unmatched = Interlocked.Read(ref Unmatched),
        Late = Interlocked.Read(ref Late),
        Duplicates = Interlocked.Read(ref Duplicates),
        Corrupt = Interlocked.Read(ref Corrupt),
        Foreign = Interlocked.Read(ref Foreign),
        Truncated = Interlocked.Read(ref Truncated),
    };
}
