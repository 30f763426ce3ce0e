namespace UdpEcho.Tests.Client;

/// <summary><see cref="UdpEchoClientOptions.MaxCallsInFlight"/>: calls beyond it wait their turn, unsent and untimed.</summary>
public sealed class CallsInFlightTests
{
    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_MoreCallsThanAllowedInFlight_TheRestWaitUnsentAndLeaveInOrder()
    {
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, Timeout = TestTimeouts.Echo, MaxCallsInFlight = 2 });

        var calls = new[] { "a", "b", "c", "d" }.Select(m => client.SendAndReceiveAsync(m).AsTask()).ToArray();
        var (a, from) = await peer.ReceiveAsync();
        var (b, _) = await peer.ReceiveAsync();
        Assert.Equal(2, client.PendingCount);
        Assert.Equal(2, client.QueuedCount);

        await peer.SendAsync(a, from);
        var (c, _) = await peer.ReceiveAsync();
        await peer.SendAsync(b, from);
        var (d, _) = await peer.ReceiveAsync();
        await peer.SendAsync(c, from);
        await peer.SendAsync(d, from);
        await Task.WhenAll(calls).WaitAsync(TestTimeouts.Await);

        Assert.Equal(["a", "b", "c", "d"], new[] { a, b, c, d }.Select(x => System.Text.Encoding.UTF8.GetString(x)));
        Assert.Equal(0, client.QueuedCount);
        Assert.Equal(4, client.GetStatistics().DatagramsSent);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_QueuedCallCancelled_IsNeverSentAndGivesUpItsTurn()
    {
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, Timeout = TestTimeouts.Echo, MaxCallsInFlight = 1 });
        using var cancel = new CancellationTokenSource();

        var first = client.SendAndReceiveAsync("first").AsTask();
        var cancelled = client.SendAndReceiveAsync("cancelled", cancel.Token).AsTask();
        var last = client.SendAndReceiveAsync("last").AsTask();
        var (sent, from) = await peer.ReceiveAsync();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TestTimeouts.Await));
        await peer.SendAsync(sent, from);
        var (next, _) = await peer.ReceiveAsync();
        await peer.SendAsync(next, from);
        await Task.WhenAll(first, last).WaitAsync(TestTimeouts.Await);

        Assert.Equal("last"u8.ToArray(), next);
        Assert.Equal(2, client.GetStatistics().DatagramsSent);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_QueuedCall_ItsTimeoutStartsWhenItIsSent()
    {
        var time = new SignallingTimeProvider();
        using var peer = new ScriptedPeer();
        var timeout = TimeSpan.FromMilliseconds(100);
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, Timeout = timeout, MaxCallsInFlight = 1, TimeProvider = time });

        var first = client.SendAndReceiveAsync("first").AsTask();
        var waiting = client.SendAndReceiveAsync("waiting").AsTask();
        await peer.ReceiveAsync();
        await time.WaitForTimerAsync();
        time.Advance(timeout);
        await Assert.ThrowsAsync<TimeoutException>(() => first.WaitAsync(TestTimeouts.Await));

        // It waited a whole timeout in the queue, and was sent only now, with a whole timeout of its own.
        var (sent, from) = await peer.ReceiveAsync();
        Assert.False(waiting.IsCompleted);
        time.Advance(timeout / 2);
        await peer.SendAsync(sent, from);
        var reply = await waiting.WaitAsync(TestTimeouts.Await);

        Assert.Equal(timeout / 2, reply.RoundTripTime);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task DisposeAsync_QueuedCalls_FailWithObjectDisposed()
    {
        using var peer = new ScriptedPeer();
        var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, Timeout = TestTimeouts.Echo, MaxCallsInFlight = 1 });
        var calls = Enumerable.Range(0, 5).Select(i => client.SendAndReceiveAsync(BitConverter.GetBytes(i)).AsTask()).ToArray();
        await peer.ReceiveAsync();

        await client.DisposeAsync();

        foreach (var call in calls)
        {
            await Assert.ThrowsAsync<ObjectDisposedException>(() => call.WaitAsync(TestTimeouts.Await));
        }
    }
}
