namespace UdpEcho.Correlation;

/// <summary>
/// The calls in flight on one client, in buckets by hash: of the payload in exact-bytes mode, of the call number in
/// tagged mode. Each bucket is a FIFO chain through the calls themselves, so adding and removing allocate nothing;
/// only growing the bucket array does. An echo completes the oldest call whose payload is byte-for-byte equal to it.
/// </summary>
/// <remarks>Not thread-safe: <see cref="EchoCalls"/> holds its lock around every use.</remarks>
internal sealed class PendingEchoTable
{
    private PendingEcho?[] _heads = new PendingEcho?[16];
    private PendingEcho?[] _tails = new PendingEcho?[16];

    public int Count { get; private set; }

    public static int HashOf(ReadOnlySpan<byte> payload)
    {
        var hash = default(HashCode);
        hash.AddBytes(payload);
        return hash.ToHashCode();
    }

    public static int HashOf(long callNumber) => (int)callNumber ^ (int)(callNumber >> 32);

    public void Add(PendingEcho pending)
    {
        if (Count >= _heads.Length)
        {
            Grow();
        }

        Append(_heads, _tails, pending);
        pending.InTable = true;
        Count++;
    }

    public void Remove(PendingEcho pending)
    {
        if (!pending.InTable)
        {
            return;
        }

        var bucket = pending.Hash & (_heads.Length - 1);
        if (pending.Previous is { } previous)
        {
            previous.Next = pending.Next;
        }
        else
        {
            _heads[bucket] = pending.Next;
        }

        if (pending.Next is { } next)
        {
            next.Previous = pending.Previous;
        }
        else
        {
            _tails[bucket] = pending.Previous;
        }

        pending.Next = null;
        pending.Previous = null;
        pending.InTable = false;
        Count--;
    }

    /// <summary>Finds the oldest call whose payload equals <paramref name="echo"/>.</summary>
    public PendingEcho? FindExact(int hash, ReadOnlySpan<byte> echo)
    {
        for (var pending = _heads[hash & (_heads.Length - 1)]; pending is not null; pending = pending.Next)
        {
            if (pending.Hash == hash && pending.Payload.Span.SequenceEqual(echo))
            {
                return pending;
            }
        }

        return null;
    }

    /// <summary>
    /// Finds the call, sent first, whose datagram (<see cref="PendingEcho.Wire"/>: the payload, or in tagged mode the
    /// tag and the payload of its latest attempt) is longer than <paramref name="echo"/> and starts with it: the call
    /// that a server or a device on the path cut short. An empty datagram is taken for no one's.
    /// </summary>
    public PendingEcho? FindTruncated(ReadOnlySpan<byte> echo)
    {
        PendingEcho? oldest = null;
        if (echo.IsEmpty)
        {
            return null;
        }

        foreach (var head in _heads)
        {
            for (var pending = head; pending is not null; pending = pending.Next)
            {
                var sent = pending.Wire.Span;
                if (sent.Length > echo.Length && sent.StartsWith(echo) && (oldest is null || pending.FirstSentAt < oldest.FirstSentAt))
                {
                    oldest = pending;
                }
            }
        }

        return oldest;
    }

    /// <summary>Finds the tagged call numbered <paramref name="callNumber"/>.</summary>
    public PendingEcho? FindCall(long callNumber)
    {
        for (var pending = _heads[HashOf(callNumber) & (_heads.Length - 1)]; pending is not null; pending = pending.Next)
        {
            if (pending.CallNumber == callNumber)
            {
                return pending;
            }
        }

        return null;
    }

    /// <summary>Lists every call in the table, oldest first within each bucket (for failing them all).</summary>
    public List<PendingEcho> ToList()
    {
        var all = new List<PendingEcho>(Count);
        foreach (var head in _heads)
        {
            for (var pending = head; pending is not null; pending = pending.Next)
            {
                all.Add(pending);
            }
        }

        return all;
    }

    private static void Append(PendingEcho?[] heads, PendingEcho?[] tails, PendingEcho pending)
    {
        var bucket = pending.Hash & (heads.Length - 1);
        pending.Next = null;
        pending.Previous = tails[bucket];
        if (tails[bucket] is { } tail)
        {
            tail.Next = pending;
        }
        else
        {
            heads[bucket] = pending;
        }

        tails[bucket] = pending;
    }

    private void Grow()
    {
        var heads = new PendingEcho?[_heads.Length * 2];
        var tails = new PendingEcho?[heads.Length];

        // Walking each old chain from its head keeps the order of identical payloads, which share a chain.
        foreach (var head in _heads)
        {
            var pending = head;
            while (pending is not null)
            {
                var next = pending.Next;
                Append(heads, tails, pending);
                pending = next;
            }
        }

        _heads = heads;
        _tails = tails;
    }
}
