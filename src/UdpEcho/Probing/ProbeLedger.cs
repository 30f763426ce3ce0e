namespace UdpEcho.Probing;

/// <summary>
/// Which probes of a run are still in flight, when each left (and, for a STAMP probe, the T1 it carried), and whether an
/// echo of each has arrived. Probe <c>k</c> is sequence <c>k</c>.
/// </summary>
/// <remarks>
/// The probes between the oldest unresolved one and the next to send live in a ring (send time, mark and state), which grows
/// only when more are in flight than it holds. Whether an echo arrived is kept in a fixed ring of bits for the last
/// <see cref="ArrivalMemory"/> probes: enough to tell a duplicate from a late echo. Not thread-safe: <see cref="ProbeRun"/>
/// holds its lock around every use.
/// </remarks>
internal sealed class ProbeLedger
{
    /// <summary>How many recent probes remember whether an echo arrived (128 KB of bits).</summary>
    public const int ArrivalMemory = 1 << 20;

    private const byte Unresolved = 1;

    private readonly ulong[] _arrived = new ulong[ArrivalMemory / 64];
    private long[] _sentAt = new long[64];
    private ulong[] _marks = new ulong[64];
    private byte[] _state = new byte[64];

    /// <summary>Gets the sequence of the next probe to send.</summary>
    public long Next { get; private set; }

    /// <summary>Gets the oldest sequence that may still be unresolved; everything before it is answered or lost.</summary>
    public long Oldest { get; private set; }

    /// <summary>Gets the number of probes sent and neither answered nor timed out.</summary>
    public int InFlight { get; private set; }

    /// <summary>Records the send of the next probe at <paramref name="sentAt"/>, with what its reply must carry back (<paramref name="mark"/>); returns its sequence.</summary>
    public long Send(long sentAt, ulong mark)
    {
        if (Next - Oldest >= _sentAt.Length)
        {
            Grow();
        }

        var sequence = Next++;
        _sentAt[Slot(sequence)] = sentAt;
        _marks[Slot(sequence)] = mark;
        _state[Slot(sequence)] = Unresolved;
        _arrived[ArrivalWord(sequence)] &= ~ArrivalBit(sequence);
        InFlight++;
        return sequence;
    }

    public bool IsUnresolved(long sequence) => sequence >= Oldest && sequence < Next && _state[Slot(sequence)] == Unresolved;

    /// <summary>Gets when an unresolved probe left.</summary>
    public long SentAt(long sequence) => _sentAt[Slot(sequence)];

    /// <summary>Gets the mark an unresolved probe was sent with.</summary>
    public ulong Mark(long sequence) => _marks[Slot(sequence)];

    /// <summary>Marks an unresolved probe answered or lost.</summary>
    public void Resolve(long sequence)
    {
        _state[Slot(sequence)] = 0;
        InFlight--;
    }

    /// <summary>
    /// Gets a value indicating whether an echo of <paramref name="sequence"/> arrived. A probe too old to remember says no:
    /// a duplicate follows its original within moments, so an echo that old is late.
    /// </summary>
    public bool HasArrived(long sequence) =>
        sequence > Next - ArrivalMemory && (_arrived[ArrivalWord(sequence)] & ArrivalBit(sequence)) != 0;

    public void MarkArrived(long sequence) => _arrived[ArrivalWord(sequence)] |= ArrivalBit(sequence);

    /// <summary>
    /// Moves past resolved probes and finds the oldest unresolved one whose deadline has passed at <paramref name="now"/>;
    /// the caller resolves it and asks again.
    /// </summary>
    public bool TryFindExpired(long now, long timeoutTicks, out long sequence) =>
        TryFindOldestUnresolved(out sequence) && now - _sentAt[Slot(sequence)] >= timeoutTicks;

    /// <summary>Moves past resolved probes and finds the oldest one still in flight.</summary>
    public bool TryFindOldestUnresolved(out long sequence)
    {
        while (Oldest < Next)
        {
            if (_state[Slot(Oldest)] == Unresolved)
            {
                sequence = Oldest;
                return true;
            }

            Oldest++;
        }

        sequence = -1;
        return false;
    }

    /// <summary>Counts the unresolved probes from <paramref name="first"/> on (only a cancelled run has any at the end).</summary>
    public long CountUnresolvedFrom(long first)
    {
        var count = 0L;
        for (var sequence = Math.Max(Oldest, first); sequence < Next; sequence++)
        {
            if (_state[Slot(sequence)] == Unresolved)
            {
                count++;
            }
        }

        return count;
    }

    private static int ArrivalWord(long sequence) => (int)((sequence & (ArrivalMemory - 1)) >> 6);

    private static ulong ArrivalBit(long sequence) => 1UL << (int)(sequence & 63);

    private int Slot(long sequence) => (int)(sequence & (_sentAt.Length - 1));

    private void Grow()
    {
        var sentAt = new long[_sentAt.Length * 2];
        var marks = new ulong[sentAt.Length];
        var state = new byte[sentAt.Length];
        for (var sequence = Oldest; sequence < Next; sequence++)
        {
            sentAt[sequence & (sentAt.Length - 1)] = _sentAt[Slot(sequence)];
            marks[sequence & (sentAt.Length - 1)] = _marks[Slot(sequence)];
            state[sequence & (sentAt.Length - 1)] = _state[Slot(sequence)];
        }

        _sentAt = sentAt;
        _marks = marks;
        _state = state;
    }
}
