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
    };
}
