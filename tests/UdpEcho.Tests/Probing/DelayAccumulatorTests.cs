using UdpEcho.Probing;

namespace UdpEcho.Tests.Probing;

/// <summary>Delays either side of zero, as one-way delays between two clocks apart come out, against values worked out by hand.</summary>
public sealed class DelayAccumulatorTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Statistics_NegativeAndPositiveDelays_RanksRunAcrossZero()
    {
        var delays = new DelayAccumulator(Second);
        foreach (var microseconds in new[] { 20, -50, 40, -10, -30 })
        {
            delays.Add(microseconds * 1000L);
        }

        var statistics = delays.Statistics();

        // Ascending: -50, -30, -10, 20, 40 µs. Nearest rank: p50 is the 3rd, p90, p99 and p99.9 the 5th.
        Assert.Equal(TimeSpan.FromMicroseconds(-50), statistics.Min);
        Assert.Equal(TimeSpan.FromMicroseconds(-10), statistics.P50);
        Assert.Equal(TimeSpan.FromMicroseconds(40), statistics.P90);
        Assert.Equal(TimeSpan.FromMicroseconds(40), statistics.Max);
        Assert.Equal(TimeSpan.FromMicroseconds(-6), statistics.Mean);
        Assert.Equal(TimeSpan.FromTicks(326), statistics.StandardDeviation); // sqrt(1064) µs, to 0.1 µs
        Assert.Equal(5, statistics.Count);

        // The histogram of the distribution describes values of 0 and up only.
        Assert.Empty(statistics.Histogram);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Statistics_NegativeDelaysBetweenBuckets_ReadBackNeverBelowTheDelay()
    {
        // 100,003 ns lies in a bucket 64 ns wide (those from 65,536 to 131,071 are): 99,968 to 100,031. Negated, the
        // read-back must not be below -100,003, and at most a bucket above it.
        var delays = new DelayAccumulator(Second);
        delays.Add(-100_003);
        delays.Add(-100_003);
        delays.Add(1_000_000);

        var p50 = delays.Statistics().P50;

        Assert.InRange(p50.Ticks * 100, -100_003, -100_003 + 64);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Statistics_NoNegativeDelay_KeepsTheHistogram()
    {
        var delays = new DelayAccumulator(Second);
        delays.Add(0);
        delays.Add(3_000_000);

        var statistics = delays.Statistics();

        Assert.Equal(TimeSpan.Zero, statistics.P50);
        Assert.Equal(TimeSpan.FromMilliseconds(3), statistics.P99);
        Assert.Equal(2, statistics.Histogram.Sum(b => b.Count));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Statistics_Nothing_IsAllZero()
    {
        var statistics = new DelayAccumulator(Second).Statistics();

        Assert.Equal(0, statistics.Count);
        Assert.Equal(TimeSpan.Zero, statistics.P50);
        await Task.CompletedTask;
    }
}
