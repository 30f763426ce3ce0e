namespace UdpEcho.Correlation;

/// <summary>
/// The calls waiting for a place among the calls in flight (<see cref="UdpEchoClientOptions.MaxCallsInFlight"/>), first
/// come first served. A FIFO chain through the calls' own links, which a call uses for the table only once it leaves
/// the queue, so queueing allocates nothing; a cancelled call leaves from the middle.
/// </summary>
/// <remarks>Not thread-safe: <see cref="EchoCalls"/> holds its lock around every use, except for reads of <see cref="Count"/>.</remarks>
internal sealed class PendingEchoQueue
{
    private PendingEcho? _head;
    private PendingEcho? _tail;
    private int _count;

    /// <summary>Gets the number of calls waiting; may be read without the lock, as a hint.</summary>
    public int Count => Volatile.Read(ref _count);

    public void Enqueue(PendingEcho pending)
    {
        pending.Next = null;
        pending.Previous = _tail;
        if (_tail is { } tail)
        {
            tail.Next = pending;
        }
        else
        {
            _head = pending;
        }

        _tail = pending;
        Volatile.Write(ref _count, _count + 1);
    }

    public PendingEcho? Dequeue()
    {
        var head = _head;
        if (head is not null)
        {
            Remove(head);
        }

        return head;
    }

    public void Remove(PendingEcho pending)
    {
        if (pending.Previous is { } previous)
        {
            previous.Next = pending.Next;
        }
        else
        {
            _head = pending.Next;
        }

        if (pending.Next is { } next)
        {
            next.Previous = pending.Previous;
        }
        else
        {
            _tail = pending.Previous;
        }

        pending.Next = null;
        pending.Previous = null;
        Volatile.Write(ref _count, _count - 1);
    }

    /// <summary>Lists every waiting call, oldest first (for failing them all).</summary>
    public List<PendingEcho> ToList()
    {
        var all = new List<PendingEcho>(_count);
        for (var pending = _head; pending is not null; pending = pending.Next)
        {
            all.Add(pending);
        }

        return all;
    }
}
