namespace UdpEcho.Policy;

/// <summary>
/// The rate limits, shared by every receive loop of a server (a source that sends from many ports lands on several
/// loops, and the limit is per address): the per-source table is split into shards, each behind its own lock, so
/// that loops contend only when two of their sources hash alike; the global limit is one lock-free cell (GCRA).
/// It outlives restarts, so a quick stop and start does not hand every source a fresh burst.
/// </summary>
internal sealed class RateLimiter
{
    private readonly RateLimitTable[]? _shards;
    private readonly object[]? _locks;
    private readonly long _globalInterval;
    private readonly long _globalTolerance;
    private long _globalTheoretical = long.MinValue;

    public RateLimiter(UdpEchoServerOptions options, long timestampFrequency)
    {
        if (options.RateLimitPerSource is double perSource)
        {
            // Enough shards that loops rarely meet; each holds its share of the table's capacity.
            var shards = (int)Math.Min(64, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, options.EffectiveReceiveLoops * 4)));
            shards = Math.Min(shards, options.RateLimitMaxSources);
            _shards = new RateLimitTable[shards];
            _locks = new object[shards];
            for (var i = 0; i < shards; i++)
            {
                var capacity = (options.RateLimitMaxSources / shards) + (i < options.RateLimitMaxSources % shards ? 1 : 0);
                _shards[i] = new RateLimitTable(capacity, perSource, options.EffectiveRateLimitBurst, timestampFrequency);
                _locks[i] = new object();
            }
        }

        if (options.GlobalRateLimit is double global)
        {
            // GCRA: one datagram every interval on average, and up to burst - 1 intervals ahead of schedule.
            var burst = Math.Max(1, Math.Ceiling(global));
            _globalInterval = Math.Max(1, (long)Math.Round(timestampFrequency / global));
            _globalTolerance = (long)((burst - 1) * _globalInterval);
            IsActive = true;
        }

        IsActive |= _shards is not null;
    }

    /// <summary>Gets a value indicating whether any limit is set; when not, the pipeline skips the limiter (and the clock).</summary>
    public bool IsActive { get; }

    /// <summary>Gets the number of sources in the per-source table.</summary>
    public int TrackedSources
    {
        get
        {
            var count = 0;
            for (var i = 0; i < (_shards?.Length ?? 0); i++)
            {
                lock (_locks![i])
                {
                    count += _shards![i].Count;
                }
            }

            return count;
        }
    }

    /// <summary>Takes one datagram's allowance for <paramref name="source"/> at <paramref name="now"/>; <see langword="false"/> when a limit is exceeded.</summary>
    public bool TryTake(UInt128 source, long now)
    {
        if (_shards is not null)
        {
            var shard = (int)((ulong)(source ^ (source >> 64)) * 0x9E37_79B9_7F4A_7C15UL >> 58) & (_shards.Length - 1);
            lock (_locks![shard])
            {
                if (!_shards[shard].TryTake(source, now))
                {
                    return false;
                }
            }
        }

        return _globalInterval == 0 || TryTakeGlobal(now);
    }

    private bool TryTakeGlobal(long now)
    {
        while (true)
        {
            var theoretical = Volatile.Read(ref _globalTheoretical);
            var start = Math.Max(theoretical, now);
            if (start - now > _globalTolerance)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _globalTheoretical, start + _globalInterval, theoretical) == theoretical)
            {
                return true;
            }
        }
    }
}
