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

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new SignallingTimer(base.CreateTimer(callback, state, dueTime, period), this);
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            _timersArmed.Release();
        }

        return timer;
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
                owner._timersArmed.Release();
            }

            return changed;
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
