namespace UdpEcho.Policy;

/// <summary>
/// One <see cref="TokenBucket"/> per source address, at most <c>capacity</c> of them. When full, a new source evicts
/// the oldest entry (first in, first out), so that a flood of spoofed sources costs a fixed amount of memory.
/// Every array and the dictionary are sized up front: adding and evicting allocate nothing. Not thread-safe.
/// </summary>
/// <remarks>
/// An evicted source starts again with a full bucket. That is the price of the bound: an attacker who also cycles
/// through more than <c>capacity</c> spoofed sources gets one burst per cycle; the global limit caps that.
/// </remarks>
internal sealed class RateLimitTable
{
    private readonly Dictionary<UInt128, int> _slots;
    private readonly UInt128[] _keys;
    private readonly TokenBucket[] _buckets;
    private readonly double _tokensPerTick;
    private readonly double _burst;
    private int _count;
    private int _oldest;

    public RateLimitTable(int capacity, double perSecond, double burst, long timestampFrequency)
    {
        _slots = new Dictionary<UInt128, int>(capacity);
        _keys = new UInt128[capacity];
        _buckets = new TokenBucket[capacity];
        _tokensPerTick = perSecond / timestampFrequency;
        _burst = burst;
    }

    public int Count => _slots.Count;

    public int Capacity => _keys.Length;

    public bool TryTake(UInt128 source, long now)
    {
        if (!_slots.TryGetValue(source, out var slot))
        {
            if (_count < _keys.Length)
            {
                slot = _count++;
            }
            else
            {
                // Full: reuse the slot of the oldest source, and forget it.
                slot = _oldest;
                _oldest = (_oldest + 1) % _keys.Length;
                _slots.Remove(_keys[slot]);
            }

            _keys[slot] = source;
            _buckets[slot] = TokenBucket.Full(_burst, now);
            _slots.Add(source, slot);
        }

        return _buckets[slot].TryTake(now, _tokensPerTick, _burst);
    }
}
