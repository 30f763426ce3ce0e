using UdpEcho.Stamp;

namespace UdpEcho.Tests.Stamp;

public sealed class StampDelaysTests
{
    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryCompute_KnownTimestamps_GivesEachDelay()
    {
        // T1 = s.0, T2 = s.25 (fraction 0x40000000), T3 = s.75 (0xC0000000), T4 = (s + 1).125 (0x20000000).
        var reply = Reply(t1: new(0xE8FE6F80, 0), t2: new(0xE8FE6F80, 0x4000_0000), t3: new(0xE8FE6F80, 0xC000_0000), synchronized: true);

        Assert.True(StampDelays.TryCompute(reply, new NtpTimestamp(0xE8FE6F81, 0x2000_0000), out var delays));

        Assert.Equal(250_000_000, delays.ForwardNanoseconds);
        Assert.Equal(375_000_000, delays.BackwardNanoseconds);
        Assert.Equal(500_000_000, delays.ReflectorProcessingNanoseconds);
        Assert.Equal(1_125_000_000, delays.RoundTripNanoseconds);
        Assert.Equal(625_000_000, delays.RoundTripWithoutProcessingNanoseconds);
        Assert.True(delays.ClocksSynchronized);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryCompute_AcrossTheEraBoundary_GivesTheSameDelays()
    {
        // T1 half a second before 2036-02-07 06:28:16 UTC, the rest after it, in era 1.
        var reply = Reply(t1: new(0xFFFF_FFFF, 0x8000_0000), t2: new(0, 0), t3: new(0, 0x4000_0000), synchronized: true);

        Assert.True(StampDelays.TryCompute(reply, new NtpTimestamp(1, 0), out var delays));

        Assert.Equal(500_000_000, delays.ForwardNanoseconds);
        Assert.Equal(750_000_000, delays.BackwardNanoseconds);
        Assert.Equal(250_000_000, delays.ReflectorProcessingNanoseconds);
        Assert.Equal(1_500_000_000, delays.RoundTripNanoseconds);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryCompute_ReflectorClockBehind_GivesANegativeForwardDelayAndTheRightRoundTrip()
    {
        // The reflector's clock is 2 s behind: one-way figures are off by it, the round trip is not.
        var reply = Reply(t1: new(100, 0), t2: new(98, 0x1000_0000), t3: new(98, 0x2000_0000), synchronized: false);

        Assert.True(StampDelays.TryCompute(reply, new NtpTimestamp(100, 0x3000_0000), out var delays));

        Assert.True(delays.ForwardNanoseconds < 0);
        Assert.Equal(187_500_000, delays.RoundTripNanoseconds);
        Assert.Equal(125_000_000, delays.RoundTripWithoutProcessingNanoseconds);
        Assert.False(delays.ClocksSynchronized);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryCompute_OneSideUnsynchronized_IsNotSynchronized()
    {
        var reply = Reply(new(1, 0), new(1, 0), new(1, 0), synchronized: true) with { SenderErrorEstimate = new ErrorEstimate(0x0001) };

        Assert.True(StampDelays.TryCompute(reply, new NtpTimestamp(1, 0), out var delays));
        Assert.False(delays.ClocksSynchronized);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryCompute_PtpTimestamps_IsFalse()
    {
        var reply = Reply(new(1, 0), new(1, 0), new(1, 0), synchronized: true);

        Assert.False(StampDelays.TryCompute(reply with { ErrorEstimate = new ErrorEstimate(0xC001) }, new NtpTimestamp(1, 0), out _));
        Assert.False(StampDelays.TryCompute(reply with { SenderErrorEstimate = new ErrorEstimate(0x4001) }, new NtpTimestamp(1, 0), out _));
        await Task.CompletedTask;
    }

    private static StampReflectedPacket Reply(NtpTimestamp t1, NtpTimestamp t2, NtpTimestamp t3, bool synchronized)
    {
        var estimate = new ErrorEstimate(synchronized ? (ushort)0x8001 : (ushort)0x0001);
        return new StampReflectedPacket(0, t3, estimate, 1, t2, 0, t1, estimate, 64);
    }
}
