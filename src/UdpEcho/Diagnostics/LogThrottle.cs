namespace UdpEcho.Diagnostics;

/// <summary>
/// Lets one warning through per interval and counts the ones it held back, so that a flood of bad datagrams
/// cannot turn into a flood of log lines.
/// </summary>
internal sealed class LogThrottle
{
    private readonly TimeProvider _time;
    private readonly long _intervalTicks;
    private long _nextAllowed;
    private long _suppressed;

    public LogThrottle(TimeSpan interval, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _intervalTicks = (long)(interval.TotalSeconds * _time.TimestampFrequency);
        _nextAllowed = long.MinValue;
    }

    /// <summary>
    /// Returns <see langword="true"/> when a line may be written now, and then not again for an interval. Touches shared
    /// memory only with a read, except when it is due: the caller counts what it held back itself.
    /// </summary>
    public bool IsDue()
    {
        var now = _time.GetTimestamp();
        var next = Volatile.Read(ref _nextAllowed);
        return now >= next && Interlocked.CompareExchange(ref _nextAllowed, now + _intervalTicks, next) == next;
    }

    /// <summary>Returns <see langword="true"/> when a line may be written now, with how many were held back since the last one.</summary>
    public bool TryEnter(out long suppressed)
    {
        var now = _time.GetTimestamp();
        var next = Volatile.Read(ref _nextAllowed);
        if (now >= next && Interlocked.CompareExchange(ref _nextAllowed, now + _intervalTicks, next) == next)
        {
            suppressed = Interlocked.Exchange(ref _suppressed, 0);
            return true;
        }

        Interlocked.Increment(ref _suppressed);
        suppressed = 0;
        return false;
    }
}
