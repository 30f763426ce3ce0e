namespace UdpEcho.Correlation;

/// <summary>
/// The reusable <see cref="PendingEcho"/> instances of one connection, each with its timer created once. Calls rent one
/// and return it when their caller has read the result; closing the connection releases what the pool holds.
/// </summary>
internal sealed class PendingEchoPool(EchoCalls owner, TimeProvider time, bool timed)
{
    private const int MaxPooled = 1024;

    private static readonly TimerCallback OnTimer = static state => ((PendingEcho)state!).Owner.OnTimer((PendingEcho)state!);

    private readonly object _gate = new();
    private readonly Stack<PendingEcho> _pooled = new();
    private bool _closed;

    public PendingEcho Rent()
    {
        PendingEcho? pending;
        lock (_gate)
        {
            _pooled.TryPop(out pending);
        }

        pending ??= new PendingEcho(owner);
        if (timed && pending.Timer is null)
        {
            pending.Timer = CreateTimer(pending);
        }

        return pending;
    }

    /// <summary>Takes back an instance whose caller has read the result (or that never went out).</summary>
    public void Return(PendingEcho pending)
    {
        pending.Reset();
        lock (_gate)
        {
            if (!_closed && !pending.Discard && _pooled.Count < MaxPooled)
            {
                _pooled.Push(pending);
                return;
            }
        }

        pending.DisposeResources();
    }

    /// <summary>Releases every pooled instance's timer and socket arguments; later returns are released at once.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            while (_pooled.TryPop(out var pooled))
            {
                pooled.DisposeResources();
            }
        }
    }

    private ITimer CreateTimer(PendingEcho pending)
    {
        // A pooled timer outlives the call that created it: it must not capture that caller's AsyncLocals.
        if (ExecutionContext.IsFlowSuppressed())
        {
            return time.CreateTimer(OnTimer, pending, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        using (ExecutionContext.SuppressFlow())
        {
            return time.CreateTimer(OnTimer, pending, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }
}
