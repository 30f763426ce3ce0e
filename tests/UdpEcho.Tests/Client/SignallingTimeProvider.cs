using Microsoft.Extensions.Time.Testing;

namespace UdpEcho.Tests.Client;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that tells the test when the code under test has armed a timer, so the test
/// advances time only once there is a timer to fire: no race, no sleep.
/// </summary>
internal sealed class SignallingTimeProvider : FakeTimeProvider
{
    private readonly SemaphoreSlim _timersCreated = new(0);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _timersCreated.Release();
        return timer;
    }

    public async Task WaitForTimerAsync()
    {
        if (!await _timersCreated.WaitAsync(TestTimeouts.Await))
        {
            throw new TimeoutException("The code under test never armed a timer.");
        }
    }
}
