namespace UdpEcho.Tests.Client;

/// <summary>How long each attempt of a call waits: backed off, and spread by jitter when a retry follows it.</summary>
public sealed class RetryBackoffTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(100);

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(1.0, new[] { 100.0, 100, 100, 100 })]
    [InlineData(2.0, new[] { 100.0, 200, 400, 800 })]
    [InlineData(1.5, new[] { 100, 150, 225, 337.5 })]
    public async Task SendAndReceiveAsync_NoJitter_EachAttemptWaitsTimeoutTimesBackoffToItsNumber(double backoff, double[] milliseconds)
    {
        var waits = await WaitsOfAllAttemptsAsync(new UdpEchoClientOptions { Retries = 3, RetryBackoff = backoff, RetryJitter = 0 });

        Assert.Equal(milliseconds.Select(TimeSpan.FromMilliseconds), waits);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task SendAndReceiveAsync_Jitter_LengthensEveryWaitARetryFollowsByUpToItsFractionAndLeavesTheLastExact()
    {
        var firsts = new List<TimeSpan>();
        for (var call = 0; call < 20; call++)
        {
            var waits = await WaitsOfAllAttemptsAsync(new UdpEchoClientOptions { Retries = 1, RetryBackoff = 1, RetryJitter = 0.5 });

            firsts.Add(waits[0]);
            Assert.Equal(Timeout, waits[1]);
        }

        Assert.All(firsts, w => Assert.InRange(w, Timeout, Timeout * 1.5));

        // Twenty draws from [100, 150) ms that all came out alike would mean no jitter at all.
        Assert.True(firsts.Distinct().Count() > 1, "every first attempt waited the same time");
    }

    /// <summary>Runs one call that never gets an echo through all its attempts, and returns how long each attempt waited.</summary>
    private static async Task<List<TimeSpan>> WaitsOfAllAttemptsAsync(UdpEchoClientOptions options)
    {
        var time = new SignallingTimeProvider();
        using var peer = new ScriptedPeer();
        options.RemoteEndPoint = peer.EndPoint;
        options.Timeout = Timeout;
        options.TimeProvider = time;
        await using var client = new UdpEchoClient(options);

        var call = client.SendAndReceiveAsync("anyone?").AsTask();
        for (var attempt = 0; attempt <= options.Retries; attempt++)
        {
            await peer.ReceiveAsync();
            await time.WaitForTimerAsync();
            time.Advance(time.Armed[^1]);
        }

        var error = await Assert.ThrowsAsync<TimeoutException>(() => call.WaitAsync(TestTimeouts.Await));
        Assert.Contains($"after {options.Retries + 1} attempt(s)", error.Message, StringComparison.Ordinal);
        return [.. time.Armed];
    }
}
