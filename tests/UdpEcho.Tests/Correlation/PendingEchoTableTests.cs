using UdpEcho.Correlation;

namespace UdpEcho.Tests.Correlation;

public sealed class PendingEchoTableTests
{
    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryComplete_IdenticalPayloads_CompletesOldestFirst()
    {
        var table = new PendingEchoTable();
        var first = table.Add("same"u8.ToArray());
        var second = table.Add("same"u8.ToArray());

        Assert.True(table.TryComplete("same"u8, timestamp: 10));

        Assert.Equal(10, (await first.Completion.WaitAsync(TestTimeouts.Await)).Timestamp);
        Assert.False(second.Completion.IsCompleted);
        Assert.Equal(1, table.Count);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryComplete_DifferentBytes_CompletesNothing()
    {
        var table = new PendingEchoTable();
        var pending = table.Add("abc"u8.ToArray());

        Assert.False(table.TryComplete("abd"u8, 1));
        Assert.False(table.TryComplete("ab"u8, 1));
        Assert.False(table.TryComplete(""u8, 1));

        Assert.False(pending.Completion.IsCompleted);
        Assert.Equal(1, table.Count);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryComplete_EchoIsCopied_BufferReuseDoesNotCorruptIt()
    {
        var table = new PendingEchoTable();
        var pending = table.Add("data"u8.ToArray());
        var receiveBuffer = "data"u8.ToArray();

        table.TryComplete(receiveBuffer, 1);
        receiveBuffer.AsSpan().Fill(0);

        Assert.Equal("data"u8.ToArray(), (await pending.Completion).Payload);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Remove_ThenEcho_IsUnmatched()
    {
        var table = new PendingEchoTable();
        var pending = table.Add("x"u8.ToArray());
        table.Remove(pending);
        table.Remove(pending);

        Assert.False(table.TryComplete("x"u8, 1));
        Assert.Equal(0, table.Count);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task FailAll_FailsEveryCallAndEmptiesTheTable()
    {
        var table = new PendingEchoTable();
        var calls = Enumerable.Range(0, 5).Select(i => table.Add(new[] { (byte)i, (byte)i })).ToList();
        calls.Add(table.Add(new byte[] { 0, 0 }));

        table.FailAll(new InvalidOperationException("gone"));

        Assert.Equal(0, table.Count);
        foreach (var call in calls)
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => call.Completion);
            Assert.Equal("gone", error.Message);
        }
    }
}
