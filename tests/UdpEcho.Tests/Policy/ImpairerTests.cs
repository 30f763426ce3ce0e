using System.Diagnostics;
using UdpEcho.Policy;

namespace UdpEcho.Tests.Policy;

/// <summary>The impairment simulation's random choices, drawn many times: loss (independent and bursty), delay distributions, seeds.</summary>
public sealed class ImpairerTests
{
    private const int Draws = 200_000;

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task IsLost_LossBurst_OverallLossKeptInBurstsOfTheMeanLength()
    {
        var (loss, meanBurst) = Measure(new UdpEchoImpairmentOptions { LossProbability = 0.1, LossBurst = 4, Seed = 1 });

        Assert.InRange(loss, 0.09, 0.11);
        Assert.InRange(meanBurst, 3.7, 4.3);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task IsLost_WithoutBurst_IndependentLossWithShortBursts()
    {
        var (loss, meanBurst) = Measure(new UdpEchoImpairmentOptions { LossProbability = 0.1, Seed = 2 });

        Assert.InRange(loss, 0.095, 0.105);
        Assert.InRange(meanBurst, 1.0, 1.2); // 1 / (1 - 0.1) for independent loss
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task DrawDelay_Uniform_WithinDelayPlusOrMinusJitterAndEvenlySpread()
    {
        var delays = Draw(new UdpEchoImpairmentOptions { Delay = TimeSpan.FromMilliseconds(5), Jitter = TimeSpan.FromMilliseconds(2), Seed = 3 });

        Assert.InRange(delays.Min(), 3.0, 3.01);
        Assert.InRange(delays.Max(), 6.99, 7.0);
        Assert.InRange(delays.Average(), 4.98, 5.02);
        Assert.InRange(delays.Count(d => d < 4) / (double)delays.Length, 0.24, 0.26); // a quarter of [3, 7)
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task DrawDelay_Normal_MeanDelayStandardDeviationJitterNeverNegative()
    {
        var delays = Draw(new UdpEchoImpairmentOptions { Delay = TimeSpan.FromMilliseconds(10), Jitter = TimeSpan.FromMilliseconds(2), DelayDistribution = UdpEchoDelayDistribution.Normal, Seed = 4 });
        var mean = delays.Average();
        var deviation = Math.Sqrt(delays.Average(d => (d - mean) * (d - mean)));

        Assert.InRange(mean, 9.97, 10.03);
        Assert.InRange(deviation, 1.97, 2.03);
        Assert.InRange(delays.Count(d => Math.Abs(d - 10) <= 2) / (double)delays.Length, 0.67, 0.70); // 68% within one sigma
        Assert.True(delays.Max() > 17, "a normal distribution has tails beyond the uniform's range");

        var clamped = Draw(new UdpEchoImpairmentOptions { Delay = TimeSpan.FromMilliseconds(1), Jitter = TimeSpan.FromMilliseconds(5), DelayDistribution = UdpEchoDelayDistribution.Normal, Seed = 5 });
        Assert.Equal(0, clamped.Min());
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Seed_SameSeedAndLoop_SameDecisions_OtherLoopsOtherSequences()
    {
        var options = new UdpEchoImpairmentOptions { LossProbability = 0.5, Seed = 42 };
        var model = ImpairmentModel.Create(options, Stopwatch.Frequency, loops: 4, version: 1)!;

        bool[] Decisions(int loop)
        {
            var impairer = new Impairer(loop);
            impairer.Follow(model);
            return [.. Enumerable.Range(0, 1000).Select(_ => impairer.IsLost(model))];
        }

        Assert.Equal(Decisions(0), Decisions(0));
        Assert.NotEqual(Decisions(0), Decisions(1));
        Assert.NotEqual(Decisions(1), Decisions(2));
        await Task.CompletedTask;
    }

    private static (double Loss, double MeanBurst) Measure(UdpEchoImpairmentOptions options)
    {
        var model = ImpairmentModel.Create(options, Stopwatch.Frequency, loops: 1, version: 1)!;
        var impairer = new Impairer(0);
        impairer.Follow(model);
        long lost = 0, bursts = 0;
        var previous = false;
        for (var i = 0; i < Draws; i++)
        {
            var isLost = impairer.IsLost(model);
            lost += isLost ? 1 : 0;
            bursts += isLost && !previous ? 1 : 0;
            previous = isLost;
        }

        return (lost / (double)Draws, lost / (double)bursts);
    }

    /// <summary>Draws delays in milliseconds.</summary>
    private static double[] Draw(UdpEchoImpairmentOptions options)
    {
        var model = ImpairmentModel.Create(options, Stopwatch.Frequency, loops: 1, version: 1)!;
        var impairer = new Impairer(0);
        impairer.Follow(model);
        return [.. Enumerable.Range(0, Draws).Select(_ => impairer.DrawDelay(model) * 1000.0 / Stopwatch.Frequency)];
    }
}
