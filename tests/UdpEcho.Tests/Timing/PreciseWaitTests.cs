using System.Diagnostics;
using UdpEcho.Timing;

namespace UdpEcho.Tests.Timing;

/// <summary>
/// What a loop that must act on time relies on: a wait never ends before its due time, and another thread can end it
/// early. How close to the due time it ends is measured by a script, not here (docs/client.md, "Pacing").
/// </summary>
public sealed class PreciseWaitTests
{
    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(0.02)]
    [InlineData(0.3)]
    [InlineData(2)]
    [InlineData(7)]
    public Task Wait_UntilADueTime_NeverEndsBeforeIt(double milliseconds) => OnAThreadAsync(() =>
    {
        using var wait = new PreciseWait();
        for (var i = 0; i < 5; i++)
        {
            var due = Stopwatch.GetTimestamp() + (long)(milliseconds * Stopwatch.Frequency / 1000);

            var woken = wait.Wait(due);

            Assert.False(woken);
            Assert.True(Stopwatch.GetTimestamp() >= due, $"the wait for {milliseconds} ms ended before its due time");
        }
    });

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Set_FromAnotherThread_EndsAWaitWithNoDueTime()
    {
        using var wait = new PreciseWait();
        using var waiting = new ManualResetEventSlim();

        var waiter = Task.Factory.StartNew(
            () =>
            {
                waiting.Set();
                return wait.Wait(long.MaxValue);
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        waiting.Wait(TestTimeouts.Await);
        wait.Set();

        Assert.True(await waiter.WaitAsync(TestTimeouts.Await));
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public Task Set_WithNobodyWaiting_EndsTheNextWaitAtOnceAndOnlyThatOne() => OnAThreadAsync(() =>
    {
        using var wait = new PreciseWait();
        wait.Set();

        Assert.True(wait.Wait(long.MaxValue));
        var due = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 1000);
        Assert.False(wait.Wait(due));
        Assert.True(Stopwatch.GetTimestamp() >= due);
    });

    /// <summary>Runs a blocking wait on a thread of its own, as the probe does, bounded like every await of a test.</summary>
    private static Task OnAThreadAsync(Action test) =>
        Task.Factory.StartNew(test, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).WaitAsync(TestTimeouts.Await);
}
