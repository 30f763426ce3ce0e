using UdpEcho.Policy;

namespace UdpEcho.Tests.Policy;

public sealed class TokenBucketTests
{
    private const long Frequency = 1_000; // One tick per millisecond keeps the arithmetic readable.

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryTake_FullBucket_AllowsBurstThenRefillsAtRate()
    {
        var bucket = TokenBucket.Full(burst: 5, now: 0);
        var perTick = 10.0 / Frequency; // 10 per second

        var burst = Enumerable.Range(0, 7).Count(_ => bucket.TryTake(0, perTick, 5));
        var after99 = bucket.TryTake(99, perTick, 5);
        var after100 = bucket.TryTake(100, perTick, 5);
        var afterTenSeconds = Enumerable.Range(0, 10).Count(_ => bucket.TryTake(10_100, perTick, 5));

        Assert.Equal(5, burst);
        Assert.False(after99);
        Assert.True(after100);
        Assert.Equal(5, afterTenSeconds); // Never more than the burst, however long it was idle.
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryTake_TimeGoesBackwards_RefillsNothing()
    {
        var bucket = TokenBucket.Full(burst: 1, now: 1000);

        Assert.True(bucket.TryTake(1000, 1, 1));
        Assert.False(bucket.TryTake(500, 1, 1));
        Assert.True(bucket.TryTake(1001, 1, 1));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task RateLimitTable_TenThousandSources_StaysWithinCapacityAndEvictsOldest()
    {
        var table = new RateLimitTable(capacity: 100, perSecond: 1, burst: 1, timestampFrequency: Frequency);

        for (var i = 0; i < 10_000; i++)
        {
            Assert.True(table.TryTake((UInt128)i, now: 0));
            Assert.True(table.Count <= 100);
        }

        Assert.Equal(100, table.Count);

        // The last 100 sources are remembered (their one token is spent); source 0 was evicted and starts afresh.
        Assert.False(table.TryTake(9_999, now: 0));
        Assert.True(table.TryTake(0, now: 0));
        Assert.Equal(100, table.Count);
        Assert.True(table.TryTake(9_900, now: 0)); // ...which evicted the oldest remaining entry, 9,900.
        await Task.CompletedTask;
    }
}
