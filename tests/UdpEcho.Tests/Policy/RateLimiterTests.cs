using System.Net;
using Microsoft.Extensions.Time.Testing;
using UdpEcho.Addressing;
using UdpEcho.Policy;

namespace UdpEcho.Tests.Policy;

/// <summary>The rate limits every receive loop shares: per source address (in shards) and global (lock-free).</summary>
public sealed class RateLimiterTests
{
    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryTake_PerSource_BurstThenRateAndSourcesAreSeparate()
    {
        var time = new FakeTimeProvider();
        var limiter = Create(new UdpEchoServerOptions { RateLimitPerSource = 10, RateLimitBurst = 3 }, time);

        var first = Enumerable.Range(0, 5).Select(_ => Take(limiter, "10.0.0.1", time)).ToArray();
        var other = Take(limiter, "10.0.0.2", time);
        var mapped = Take(limiter, "::ffff:10.0.0.1", time); // The same sender seen through a dual-mode socket.
        time.Advance(TimeSpan.FromMilliseconds(100));
        var refilled = Take(limiter, "10.0.0.1", time);
        var again = Take(limiter, "10.0.0.1", time);

        Assert.Equal([true, true, true, false, false], first);
        Assert.True(other);
        Assert.False(mapped);
        Assert.True(refilled);
        Assert.False(again);
        Assert.Equal(2, limiter.TrackedSources);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryTake_BurstDefault_IsOneSecondsWorth()
    {
        var time = new FakeTimeProvider();
        var limiter = Create(new UdpEchoServerOptions { RateLimitPerSource = 2.5 }, time);

        Assert.Equal(3, Enumerable.Range(0, 10).Count(_ => Take(limiter, "10.0.0.1", time)));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryTake_Global_CapsAllSourcesTogether()
    {
        var time = new FakeTimeProvider();
        var limiter = Create(new UdpEchoServerOptions { GlobalRateLimit = 4 }, time);

        var echoed = Enumerable.Range(0, 20).Count(i => Take(limiter, $"10.0.0.{i + 1}", time));
        time.Advance(TimeSpan.FromSeconds(0.5));
        var later = Enumerable.Range(0, 20).Count(i => Take(limiter, $"10.0.1.{i + 1}", time));

        Assert.Equal(4, echoed);
        Assert.Equal(2, later);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryTake_PerSourceAcrossLoops_OneSourceFromManyThreadsGetsItsLimitOnce()
    {
        // A source that sends from many ports lands on several loops: the limit is per address, not per loop.
        var time = new FakeTimeProvider();
        var limiter = Create(new UdpEchoServerOptions { RateLimitPerSource = 100, RateLimitBurst = 100, ReceiveLoops = 8 }, time);
        var source = SourceAddress.ToKey(IPAddress.Parse("10.9.9.9"));
        var now = time.GetTimestamp();

        var taken = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                if (limiter.TryTake(source, now))
                {
                    Interlocked.Increment(ref taken);
                }
            }
        }))).WaitAsync(TestTimeouts.Await);

        Assert.Equal(100, taken);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryTake_GlobalFromManyThreads_NeverExceedsTheBurst()
    {
        var time = new FakeTimeProvider();
        var limiter = Create(new UdpEchoServerOptions { GlobalRateLimit = 500 }, time);
        var now = time.GetTimestamp();

        var taken = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                if (limiter.TryTake(SourceAddress.ToKey(IPAddress.Parse($"10.{t}.0.1")), now))
                {
                    Interlocked.Increment(ref taken);
                }
            }
        }))).WaitAsync(TestTimeouts.Await);

        Assert.Equal(500, taken);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryTake_MillionSpoofedSources_TableStaysBounded()
    {
        var time = new FakeTimeProvider();
        var limiter = Create(new UdpEchoServerOptions { RateLimitPerSource = 1, RateLimitMaxSources = 100 }, time);

        for (var i = 0; i < 10_000; i++)
        {
            Assert.True(limiter.TryTake(SourceAddress.MappedPrefix | (uint)(0x0A000000 + i), time.GetTimestamp()));
        }

        Assert.Equal(100, limiter.TrackedSources);
        await Task.CompletedTask;
    }

    private static RateLimiter Create(UdpEchoServerOptions options, TimeProvider time)
    {
        options.Validate();
        return new RateLimiter(options, time.TimestampFrequency);
    }

    private static bool Take(RateLimiter limiter, string address, TimeProvider time) =>
        limiter.TryTake(SourceAddress.ToKey(IPAddress.Parse(address)), time.GetTimestamp());
}
