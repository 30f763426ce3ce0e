using UdpEcho.Policy;

namespace UdpEcho;

/// <summary>The server's running totals. Fields are only written with <see cref="Interlocked"/>, so several loops may share them.</summary>
internal sealed class ServerCounters
{
    public long DatagramsReceived;
    public long BytesReceived;
    public long DatagramsEchoed;
    public long BytesEchoed;
    public long DatagramsDropped;
    public long DatagramsTruncated;
    public long ReceiveErrors;
    public long SendErrors;
    public long SubscriberErrors;

    /// <summary>Drops by <see cref="DropReason"/>; <see cref="DatagramsDropped"/> is their total.</summary>
    public readonly long[] Drops = new long[(int)DropReason.Shutdown + 1];

    /// <summary>Counts one dropped datagram under <paramref name="reason"/> and in the total.</summary>
    public void Drop(DropReason reason, long count = 1)
    {
        Interlocked.Add(ref Drops[(int)reason], count);
        Interlocked.Add(ref DatagramsDropped, count);
    }

    public UdpEchoServerStatistics Snapshot() => new()
    {
        DatagramsReceived = Interlocked.Read(ref DatagramsReceived),
        BytesReceived = Interlocked.Read(ref BytesReceived),
        DatagramsEchoed = Interlocked.Read(ref DatagramsEchoed),
        BytesEchoed = Interlocked.Read(ref BytesEchoed),
        DatagramsDropped = Interlocked.Read(ref DatagramsDropped),
        DatagramsTruncated = Interlocked.Read(ref DatagramsTruncated),
        ReceiveErrors = Interlocked.Read(ref ReceiveErrors),
        SendErrors = Interlocked.Read(ref SendErrors),
        SubscriberErrors = Interlocked.Read(ref SubscriberErrors),
        DroppedBySourcePort = Interlocked.Read(ref Drops[(int)DropReason.SourcePort]),
        DroppedBySourceAddress = Interlocked.Read(ref Drops[(int)DropReason.SourceAddress]),
        DroppedNotAllowed = Interlocked.Read(ref Drops[(int)DropReason.NotAllowed]),
        DroppedByRateLimit = Interlocked.Read(ref Drops[(int)DropReason.RateLimited]),
        DroppedByImpairment = Interlocked.Read(ref Drops[(int)DropReason.ImpairedLoss]),
        DroppedAtShutdown = Interlocked.Read(ref Drops[(int)DropReason.Shutdown]),
    };
}
