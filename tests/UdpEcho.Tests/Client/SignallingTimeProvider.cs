using Microsoft.Extensions.Time.Testing;

namespace UdpEcho.Tests.Client;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that tells the test when the code under test has armed a timer (created one with a
/// due time, or changed one to a due time), so the test advances time only once there is a timer to fire: no race,
/// no sleep. Timers created or changed to <see cref="Timeout.InfiniteTimeSpan"/> (disarmed) signal nothing.
/// </summary>
internal sealed class SignallingTimeProvider : FakeTimeProvider
{
    private readonly SemaphoreSlim _timersArmed = new(0);
    private readonly List<TimeSpan> _armed = [];

    /// <summary>Gets every due time a timer was armed with, in order.</summary>
    public IReadOnlyList<TimeSpan> Armed
    {
        get
        {
            lock (_armed)
            {
                return [.. _armed];
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new SignallingTimer(base.CreateTimer(callback, state, dueTime, period), this);
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            Signal(dueTime);
        }

        return timer;
    }

    private void Signal(TimeSpan dueTime)
    {
        lock (_armed)
        {
            _armed.Add(dueTime);
        }

        _timersArmed.Release();
    }

    public async Task WaitForTimerAsync()
    {
        if (!await _timersArmed.WaitAsync(TestTimeouts.Await))
        {
            throw new TimeoutException("The code under test never armed a timer.");
        }
    }

    private sealed class SignallingTimer(ITimer inner, SignallingTimeProvider owner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var changed = inner.Change(dueTime, period);
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                owner.Signal(dueTime);
            }

            return changed;
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
