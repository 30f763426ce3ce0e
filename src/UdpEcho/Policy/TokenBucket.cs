namespace UdpEcho.Policy;

/// <summary>
/// A token bucket: it holds up to <c>burst</c> tokens, gains <c>rate</c> per second, and each datagram takes one.
/// A mutable struct kept in arrays, so that a source's state costs no object of its own. Not thread-safe.
/// </summary>
internal struct TokenBucket
{
    private double _tokens;
    private long _last;

    /// <summary>A full bucket as of <paramref name="now"/>.</summary>
    public static TokenBucket Full(double burst, long now) => new() { _tokens = burst, _last = now };

    /// <summary>Refills for the time since the last call, then takes one token if there is one.</summary>
    /// <param name="now">A timestamp from the same <see cref="TimeProvider"/> as every other call.</param>
    /// <param name="tokensPerTick">The rate divided by the timestamp frequency.</param>
    /// <param name="burst">The bucket's size.</param>
    public bool TryTake(long now, double tokensPerTick, double burst)
    {
        // Time that runs backwards (it should not) refills nothing rather than draining the bucket.
        if (now > _last)
        {
            _tokens = Math.Min(burst, _tokens + ((now - _last) * tokensPerTick));
            _last = now;
        }

        if (_tokens >= 1)
        {
            _tokens -= 1;
            return true;
        }

        return false;
    }
}
