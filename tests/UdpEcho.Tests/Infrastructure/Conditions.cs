namespace UdpEcho.Tests.Infrastructure;

/// <summary>Waiting for a condition that no event announces (a counter reaching a value), bounded by <see cref="TestTimeouts.Await"/>.</summary>
internal static class Conditions
{
    public static async Task WaitUntilAsync(Func<bool> condition, string what = "the condition")
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        try
        {
            while (!condition())
            {
                await Task.Delay(2, cts.Token);
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"Waited {TestTimeouts.Await.TotalSeconds} s for {what}.");
        }
    }
}
