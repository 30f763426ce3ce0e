using UdpEcho.Addressing;

namespace UdpEcho.Policy;

/// <summary>
/// One <see cref="TokenBucket"/> per source address, at most <c>capacity</c> of them (a <see cref="BoundedTable{TKey, TValue}"/>:
/// when full, a new source evicts the oldest). Not thread-safe: <see cref="RateLimiter"/> locks each shard.
/// </summary>
/// <remarks>
/// An evicted source starts again with a full bucket. That is the price of the bound: an attacker who also cycles
/// through more than <c>capacity</c> spoofed sources gets one burst per cycle; the global limit caps that.
/// </remarks>
internal sealed class RateLimitTable(int capacity, double perSecond, double burst, long timestampFrequency)
{
    private readonly BoundedTable<UInt128, TokenBucket> _buckets = new(capacity);
    private readonly double _tokensPerTick = perSecond / timestampFrequency;

    public int Count => _buckets.Count;

    public int Capacity => _buckets.Capacity;

    public bool TryTake(UInt128 source, long now)
    {
        ref var bucket = ref _buckets.GetOrAdd(source, out var added);
        if (added)
        {
            bucket = TokenBucket.Full(burst, now);
        }

        return bucket.TryTake(now, _tokensPerTick, burst);
    }
}
