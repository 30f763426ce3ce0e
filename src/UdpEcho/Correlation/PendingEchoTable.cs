namespace UdpEcho.Correlation;

/// <summary>
/// The calls in flight on one client, indexed by a hash of their payload. An echo carries no id, so an arriving
/// datagram completes the oldest call whose payload is byte-for-byte equal to it (FIFO among identical payloads);
/// a datagram equal to no call in flight completes nothing.
/// </summary>
internal sealed class PendingEchoTable
{
    private readonly Dictionary<int, List<PendingEcho>> _byHash = [];
    private readonly object _gate = new();
    private int _count;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    public static int HashOf(ReadOnlySpan<byte> payload)
    {
        var hash = default(HashCode);
        hash.AddBytes(payload);
        return hash.ToHashCode();
    }

    public PendingEcho Add(ReadOnlyMemory<byte> payload)
    {
        var pending = new PendingEcho(payload, HashOf(payload.Span));
        lock (_gate)
        {
            if (!_byHash.TryGetValue(pending.Hash, out var bucket))
            {
                bucket = [];
                _byHash.Add(pending.Hash, bucket);
            }

            bucket.Add(pending);
            _count++;
        }

        return pending;
    }

    public void Remove(PendingEcho pending)
    {
        lock (_gate)
        {
            if (_byHash.TryGetValue(pending.Hash, out var bucket) && bucket.Remove(pending))
            {
                _count--;
                if (bucket.Count == 0)
                {
                    _byHash.Remove(pending.Hash);
                }
            }
        }
    }

    /// <summary>Completes the oldest call whose payload equals <paramref name="echo"/> and takes it out of the table.</summary>
    /// <returns><see langword="true"/> when a call was completed.</returns>
    public bool TryComplete(ReadOnlySpan<byte> echo, long timestamp)
    {
        var hash = HashOf(echo);
        PendingEcho? match = null;
        lock (_gate)
        {
            if (_byHash.TryGetValue(hash, out var bucket))
            {
                for (var i = 0; i < bucket.Count; i++)
                {
                    if (bucket[i].Payload.Span.SequenceEqual(echo))
                    {
                        match = bucket[i];
                        bucket.RemoveAt(i);
                        _count--;
                        if (bucket.Count == 0)
                        {
                            _byHash.Remove(hash);
                        }

                        break;
                    }
                }
            }
        }

        // Completed outside the lock: continuations run asynchronously anyway, but the copy need not hold it.
        return match is not null && match.TryComplete(echo.ToArray(), timestamp);
    }

    /// <summary>Fails every call in flight, for example when the destination is unreachable or the client is disposed.</summary>
    public void FailAll(Exception exception)
    {
        List<PendingEcho> all;
        lock (_gate)
        {
            all = [.. _byHash.Values.SelectMany(b => b)];
            _byHash.Clear();
            _count = 0;
        }

        foreach (var pending in all)
        {
            pending.TryFail(exception);
        }
    }
}
