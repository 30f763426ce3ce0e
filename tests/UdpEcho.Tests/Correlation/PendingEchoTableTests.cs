using UdpEcho.Correlation;

namespace UdpEcho.Tests.Correlation;

public sealed class PendingEchoTableTests
{
    [Fact(Timeout = TestTimeouts.Short)]
    public async Task FindExact_IdenticalPayloads_FindsOldestFirst()
    {
        var table = new PendingEchoTable();
        var first = Add(table, "same");
        var second = Add(table, "same");

        Assert.Same(first, table.FindExact(PendingEchoTable.HashOf("same"u8), "same"u8));
        table.Remove(first);
        Assert.Same(second, table.FindExact(PendingEchoTable.HashOf("same"u8), "same"u8));
        Assert.Equal(1, table.Count);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task FindExact_DifferentBytes_FindsNothing()
    {
        var table = new PendingEchoTable();
        Add(table, "abc");

        Assert.Null(table.FindExact(PendingEchoTable.HashOf("abd"u8), "abd"u8));
        Assert.Null(table.FindExact(PendingEchoTable.HashOf("ab"u8), "ab"u8));
        Assert.Null(table.FindExact(PendingEchoTable.HashOf(""u8), ""u8));

        // Same hash, different bytes (a forced collision): still no match.
        Assert.Null(table.FindExact(PendingEchoTable.HashOf("abc"u8), "abd"u8));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Remove_Twice_IsHarmless_AndEchoIsThenUnmatched()
    {
        var table = new PendingEchoTable();
        var pending = Add(table, "x");
        table.Remove(pending);
        table.Remove(pending);

        Assert.Null(table.FindExact(PendingEchoTable.HashOf("x"u8), "x"u8));
        Assert.Equal(0, table.Count);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Add_ManyWithCollidingBuckets_GrowsAndKeepsFifoOrder()
    {
        var table = new PendingEchoTable();
        var same = new List<PendingEcho>();
        for (var i = 0; i < 200; i++)
        {
            Add(table, $"other {i}");
            same.Add(Add(table, "same"));
        }

        Assert.Equal(400, table.Count);
        Assert.Equal(400, table.ToList().Count);
        foreach (var expected in same)
        {
            var found = table.FindExact(PendingEchoTable.HashOf("same"u8), "same"u8);
            Assert.Same(expected, found);
            table.Remove(found!);
        }

        Assert.Equal(200, table.Count);
        Assert.NotNull(table.FindExact(PendingEchoTable.HashOf("other 199"u8), "other 199"u8));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task FindCall_FindsByCallNumberAmongMany()
    {
        var table = new PendingEchoTable();
        var calls = Enumerable.Range(0, 100).Select(i => AddCall(table, i)).ToList();

        Assert.Same(calls[42], table.FindCall(42));
        table.Remove(calls[42]);
        Assert.Null(table.FindCall(42));
        Assert.Null(table.FindCall(100));
        Assert.Same(calls[99], table.FindCall(99));
        await Task.CompletedTask;
    }

    private static PendingEcho Add(PendingEchoTable table, string text)
    {
        var payload = System.Text.Encoding.UTF8.GetBytes(text);
        var pending = new PendingEcho(null!) { Payload = payload, Hash = PendingEchoTable.HashOf(payload) };
        table.Add(pending);
        return pending;
    }

    private static PendingEcho AddCall(PendingEchoTable table, long callNumber)
    {
        var pending = new PendingEcho(null!) { CallNumber = callNumber, Hash = PendingEchoTable.HashOf(callNumber) };
        table.Add(pending);
        return pending;
    }
}
