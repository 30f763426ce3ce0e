namespace UdpEcho.Addressing;

/// <summary>
/// Per-source state, for at most <see cref="Capacity"/> sources (keyed by address, endpoint or session). When full, a new
/// source evicts the oldest (first in, first out), so that a flood from spoofed sources costs a fixed amount of memory.
/// Every array and the dictionary are sized up front: adding and evicting allocate nothing. Not thread-safe.
/// </summary>
/// <remarks>An evicted source that comes back starts again from a fresh value: that is the price of the bound.</remarks>
internal sealed class BoundedTable<TKey, TValue>
    where TKey : IEquatable<TKey>
{
    private readonly Dictionary<TKey, int> _slots;
    private readonly TKey[] _keys;
    private readonly TValue[] _values;
    private int _count;
    private int _oldest;

    public BoundedTable(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _slots = new Dictionary<TKey, int>(capacity);
        _keys = new TKey[capacity];
        _values = new TValue[capacity];
    }

    public int Count => _slots.Count;

    public int Capacity => _keys.Length;

    /// <summary>Finds <paramref name="key"/>'s value, or makes room for it (a default value; <paramref name="added"/> says so).</summary>
    public ref TValue GetOrAdd(TKey key, out bool added) => ref _values[SlotOf(key, out added)];

    /// <summary>Gets the value in <paramref name="slot"/> (from <see cref="SlotOf"/>; valid until the next new key).</summary>
    public ref TValue At(int slot) => ref _values[slot];

    /// <summary>Finds <paramref name="key"/>'s slot, or makes one for it (holding a default value; <paramref name="added"/> says so).</summary>
    public int SlotOf(TKey key, out bool added)
    {
        added = !_slots.TryGetValue(key, out var slot);
        if (added)
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

            _keys[slot] = key;
            _values[slot] = default!;
            _slots.Add(key, slot);
        }

        return slot;
    }
}
