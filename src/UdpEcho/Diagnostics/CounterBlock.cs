using UdpEcho.Policy;

namespace UdpEcho.Diagnostics;

/// <summary>The server's counters; <see cref="DropBase"/> + a <see cref="DropReason"/> is that reason's drop count.</summary>
internal enum ServerCounter
{
    DatagramsReceived,
    BytesReceived,
    DatagramsEchoed,
    BytesEchoed,
    ReceiveErrors,
    SubscriberErrors,

    /// <summary>The kernel's own drop count for the socket (a running total it reports, not incremented here).</summary>
    KernelDrops,

    /// <summary>Echoes sent after a delay; their lateness is in the loop's histogram.</summary>
    DelayedEchoes,

    DropBase,
}

/// <summary>
/// One writer's counters: a receive loop's, or one impairment queue's. Written with plain stores by that one writer
/// (no atomic operation, no shared cache line: the block is padded at both ends), read with volatile loads by whoever
/// sums them for <see cref="UdpEchoServer.GetStatistics"/>.
/// </summary>
internal sealed class CounterBlock
{
    public const int Count = (int)ServerCounter.DropBase + DropReasons.Count;

    // 64 bytes of padding at each end, so that no other object's fields share the block's cache lines.
    private const int Pad = 8;

    private readonly long[] _values = new long[Pad + Count + Pad];

    public void Add(ServerCounter counter, long value) => _values[Pad + (int)counter] += value;

    public void Increment(ServerCounter counter) => _values[Pad + (int)counter]++;

    public void Drop(DropReason reason) => _values[Pad + (int)ServerCounter.DropBase + (int)reason]++;

    public void Set(ServerCounter counter, long value) => Volatile.Write(ref _values[Pad + (int)counter], value);

    /// <summary>Raises <paramref name="counter"/> to <paramref name="value"/> if that is more; safe beside the block's writer (for a running total the kernel keeps).</summary>
    public void RaiseTo(ServerCounter counter, long value)
    {
        ref var slot = ref _values[Pad + (int)counter];
        var current = Volatile.Read(ref slot);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref slot, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    public long Read(ServerCounter counter) => Volatile.Read(ref _values[Pad + (int)counter]);

    public long Read(DropReason reason) => Volatile.Read(ref _values[Pad + (int)ServerCounter.DropBase + (int)reason]);
}
