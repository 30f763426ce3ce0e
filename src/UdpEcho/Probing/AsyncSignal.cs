using System.Threading.Tasks.Sources;

namespace UdpEcho.Probing;

/// <summary>
/// An auto-reset event with one waiter and a reusable timeout, on an injected <see cref="TimeProvider"/>: a probe's loop
/// sleeps on it until an echo frees a slot or the next send or deadline is due. Waiting allocates nothing.
/// </summary>
internal sealed class AsyncSignal : IValueTaskSource, IDisposable
{
    private readonly object _gate = new();
    private readonly ITimer _timer;
    private ManualResetValueTaskSourceCore<bool> _core;
    private bool _set;
    private bool _waiting;

    public AsyncSignal(TimeProvider time)
    {
        _core.RunContinuationsAsynchronously = true;

        // The timer lives as long as the probe; it must not hold on to the AsyncLocals of whoever started it.
        using (ExecutionContext.IsFlowSuppressed() ? default(AsyncFlowControl?) : ExecutionContext.SuppressFlow())
        {
            _timer = time.CreateTimer(static state => ((AsyncSignal)state!).Set(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Waits until <see cref="Set"/> is called or <paramref name="timeout"/> passes; returns at once if set meanwhile.</summary>
    /// <param name="timeout">How long to wait at most, or <see langword="null"/> to wait for <see cref="Set"/> only.</param>
    public ValueTask WaitAsync(TimeSpan? timeout)
    {
        lock (_gate)
        {
            if (_set)
            {
                _set = false;
                return ValueTask.CompletedTask;
            }

            _core.Reset();
            _waiting = true;
            _timer.Change(timeout ?? Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        return new ValueTask(this, _core.Version);
    }

    public void Set()
    {
        lock (_gate)
        {
            if (!_waiting)
            {
                _set = true;
                return;
            }

            _waiting = false;
        }

        _core.SetResult(true);
    }

    public void Dispose() => _timer.Dispose();

    public void GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
