using UdpEcho.Stamp;

namespace UdpEcho.Tests.Stamp;

/// <summary>
/// The Error Estimate against RFC 4656 §4.1.2's layout (S, Z, 6-bit Scale, 8-bit Multiplier; Multiplier × 2^(Scale−32)
/// seconds) with bytes worked out by hand.
/// </summary>
public sealed class ErrorEstimateTests
{
    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Read_0x8001_IsSynchronizedNtpOneUnit()
    {
        var estimate = ErrorEstimate.Read([0x80, 0x01]);

        Assert.True(estimate.IsSynchronized);
        Assert.False(estimate.IsPtpFormat);
        Assert.Equal(0, estimate.Scale);
        Assert.Equal(1, estimate.Multiplier);
        Assert.Equal(Math.ScaleB(1, -32), estimate.Seconds);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Read_Scale32Multiplier1_IsOneSecond()
    {
        // Scale 32 is 100000 in the six bits after S and Z: 0b00_100000 = 0x20.
        var estimate = ErrorEstimate.Read([0x20, 0x01]);

        Assert.False(estimate.IsSynchronized);
        Assert.Equal(32, estimate.Scale);
        Assert.Equal(1.0, estimate.Seconds);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Read_ZBitSet_IsPtpFormat()
    {
        var estimate = ErrorEstimate.Read([0x40, 0x01]);

        Assert.True(estimate.IsPtpFormat);
        Assert.False(estimate.IsSynchronized);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task IsValid_MultiplierZero_IsFalse()
    {
        Assert.False(ErrorEstimate.Read([0x80, 0x00]).IsValid);
        Assert.True(ErrorEstimate.Read([0x80, 0x01]).IsValid);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task FromNanoseconds_OneMillisecondSynchronized_IsScale15Multiplier132()
    {
        // 1 ms = 4,294,967.296 units; / 2^14 = 262.1 does not fit 8 bits; / 2^15 = 131.07, rounded up to 132.
        var bytes = new byte[2];

        ErrorEstimate.FromNanoseconds(1_000_000, synchronized: true).Write(bytes);

        Assert.Equal(new byte[] { 0x80 | 15, 132 }, bytes);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task FromNanoseconds_SixteenSecondsUnsynchronized_IsScale29Multiplier128()
    {
        // 16 s = 2^36 units = 128 × 2^29.
        var bytes = new byte[2];

        ErrorEstimate.FromNanoseconds(16_000_000_000, synchronized: false).Write(bytes);

        Assert.Equal(new byte[] { 29, 128 }, bytes);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task FromNanoseconds_Zero_KeepsMultiplierNonZero()
    {
        Assert.Equal(new ErrorEstimate(0x8001), ErrorEstimate.FromNanoseconds(0, synchronized: true));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task FromNanoseconds_LongMaxValue_IsScale58Multiplier138()
    {
        // 9,223,372,036.85 s (292 years) = 0x2_25C1_7D04_DAD2_9659 units, rounded up; 138 × 2^58 is the first fit.
        // The field reaches 255 × 2^31 s (17,000 years): no error in nanoseconds is out of its range.
        Assert.Equal(new ErrorEstimate((58 << 8) | 138), ErrorEstimate.FromNanoseconds(long.MaxValue, synchronized: false));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task FromNanoseconds_AnyError_NeverUnderstatesAndUsesTheSmallestScale()
    {
        var random = new Random(4656);
        for (var i = 0; i < 100_000; i++)
        {
            var nanoseconds = (long)Math.Pow(10, random.NextDouble() * 12); // 1 ns .. 1000 s

            var estimate = ErrorEstimate.FromNanoseconds(nanoseconds, synchronized: true);

            Assert.True(estimate.Seconds >= nanoseconds / 1e9, $"{nanoseconds} ns encoded as {estimate}");
            if (estimate.Scale > 0)
            {
                // One scale lower, the multiplier it would need does not fit in 8 bits.
                Assert.True(Math.Ceiling(nanoseconds / 1e9 / Math.ScaleB(1, estimate.Scale - 1 - 32)) > 255, $"{nanoseconds} ns encoded as {estimate}");
            }
        }
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Unsynchronized_IsSZeroScaleZeroMultiplierOne()
    {
        var bytes = new byte[2];

        ErrorEstimate.Unsynchronized.Write(bytes);

        Assert.Equal(new byte[] { 0x00, 0x01 }, bytes);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Constructor_FieldsOutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ErrorEstimate(true, false, 64, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ErrorEstimate(true, false, 0, 256));
        Assert.Equal(new ErrorEstimate(0xC000 | (63 << 8) | 255), new ErrorEstimate(true, true, 63, 255));
        await Task.CompletedTask;
    }
}
