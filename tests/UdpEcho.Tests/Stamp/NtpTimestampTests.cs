using UdpEcho.Stamp;

namespace UdpEcho.Tests.Stamp;

/// <summary>
/// The NTP timestamp against values fixed by RFC 5905 and the calendar, never against this encoder: the Unix epoch is
/// 2,208,988,800 s into NTP era 0 (0x83AA7E80), a fraction of 0x80000000 is half a second, era 1 starts at
/// 2036-02-07 06:28:16 UTC, and RFC 4330 puts 0x80000000 s at 1968-01-20 03:14:08 UTC.
/// </summary>
public sealed class NtpTimestampTests
{
    private const long NanosecondsPerSecond = 1_000_000_000;

    /// <summary>2036-02-07 06:28:16 UTC, where NTP era 1 starts, in Unix seconds (2^32 − 2,208,988,800).</summary>
    private const long EraOneStartUnixSeconds = 2_085_978_496;

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task FromUnixNanoseconds_UnixEpoch_IsSeconds2208988800()
    {
        var bytes = new byte[8];

        NtpTimestamp.FromUnixNanoseconds(0).Write(bytes);

        Assert.Equal(new byte[] { 0x83, 0xAA, 0x7E, 0x80, 0, 0, 0, 0 }, bytes);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task FromUnixNanoseconds_HalfSecond_FractionIs0x80000000()
    {
        var timestamp = NtpTimestamp.FromUnixNanoseconds(NanosecondsPerSecond / 2);

        Assert.Equal(0x83AA7E80u, timestamp.Seconds);
        Assert.Equal(0x8000_0000u, timestamp.Fraction);
        await Task.CompletedTask;
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(250_000_000L, 0x4000_0000u)]
    [InlineData(750_000_000L, 0xC000_0000u)]
    [InlineData(1L, 4u)] // 2^32 / 10^9 = 4.29 units
    [InlineData(123_456_789L, 0x1F9A_DD37u)] // 0.123456789 × 2^32 = 530,242,871.47
    [InlineData(999_999_999L, 0xFFFF_FFFCu)] // 4,294,967,291.7: no carry into the seconds
    public async Task FromUnixNanoseconds_KnownFractions_RoundToNearest(long nanoseconds, uint fraction)
    {
        var timestamp = NtpTimestamp.FromUnixNanoseconds(nanoseconds);

        Assert.Equal(0x83AA7E80u, timestamp.Seconds);
        Assert.Equal(fraction, timestamp.Fraction);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task FromDateTime_KnownDate_HasItsNtpSeconds()
    {
        // 2024-01-01T00:00:00Z is 3,913,056,000 s after 1900-01-01.
        var timestamp = NtpTimestamp.FromDateTime(new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        Assert.Equal(new NtpTimestamp(0xE93C7F00, 0), timestamp);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task FromUnixNanoseconds_EraZeroStart_IsAllZeros()
    {
        var timestamp = NtpTimestamp.FromUnixNanoseconds(-2_208_988_800L * NanosecondsPerSecond);

        Assert.Equal(0UL, timestamp.Value);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task FromUnixNanoseconds_EraBoundary_WrapsToZero()
    {
        var before = NtpTimestamp.FromUnixNanoseconds((EraOneStartUnixSeconds * NanosecondsPerSecond) - (NanosecondsPerSecond / 2));
        var at = NtpTimestamp.FromUnixNanoseconds(EraOneStartUnixSeconds * NanosecondsPerSecond);

        Assert.Equal(new NtpTimestamp(0xFFFF_FFFF, 0x8000_0000), before);
        Assert.Equal(0UL, at.Value);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ToUnixNanoseconds_AllZeros_IsEraOneStart()
    {
        Assert.Equal(new DateTime(2036, 2, 7, 6, 28, 16, DateTimeKind.Utc), new NtpTimestamp(0).ToDateTime());
        Assert.Equal(EraOneStartUnixSeconds * NanosecondsPerSecond, new NtpTimestamp(0).ToUnixNanoseconds());
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ToUnixNanoseconds_TopBitSet_IsEraZero()
    {
        // RFC 4330 §3: the top bit set means 1968-01-20 03:14:08 UTC to 2036.
        Assert.Equal(new DateTime(1968, 1, 20, 3, 14, 8, DateTimeKind.Utc), new NtpTimestamp(0x8000_0000, 0).ToDateTime());
        Assert.Equal(0L, new NtpTimestamp(0x83AA7E80, 0).ToUnixNanoseconds());
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Subtract_AcrossEraBoundary_IsTheInterval()
    {
        var before = new NtpTimestamp(0xFFFF_FFFF, 0x8000_0000);
        var after = new NtpTimestamp(0x0000_0001, 0x4000_0000);

        Assert.Equal(1_750_000_000L, NtpTimestamp.Subtract(after, before));
        Assert.Equal(-1_750_000_000L, NtpTimestamp.Subtract(before, after));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Subtract_OneFractionUnit_RoundsToZeroNanoseconds()
    {
        var earlier = new NtpTimestamp(100, 0);

        Assert.Equal(0L, NtpTimestamp.Subtract(new NtpTimestamp(100, 1), earlier));
        Assert.Equal(1L, NtpTimestamp.Subtract(new NtpTimestamp(100, 4), earlier));
        Assert.Equal(2_000_000_000L, NtpTimestamp.Subtract(new NtpTimestamp(102, 0), earlier));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ToUnixNanoseconds_AfterFromUnixNanoseconds_IsExactFrom1968To2104()
    {
        var random = new Random(8762);
        var first = -61_505_152L * NanosecondsPerSecond; // 1968-01-20 03:14:08 UTC
        var last = (EraOneStartUnixSeconds + (1L << 31)) * NanosecondsPerSecond; // 2104-02-26 09:42:24 UTC
        for (var i = 0; i < 200_000; i++)
        {
            var nanoseconds = random.NextInt64(first, last);

            Assert.Equal(nanoseconds, NtpTimestamp.FromUnixNanoseconds(nanoseconds).ToUnixNanoseconds());
        }
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Write_Value_IsBigEndianSecondsThenFraction()
    {
        var bytes = new byte[8];

        new NtpTimestamp(0x0102_0304, 0x0506_0708).Write(bytes);

        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, bytes);
        Assert.Equal(new NtpTimestamp(0x0102_0304, 0x0506_0708), NtpTimestamp.Read(bytes));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Now_ComparedWithDateTimeUtcNow_IsTheSameClock()
    {
        var before = DateTime.UtcNow;
        var now = NtpTimestamp.Now.ToDateTime();
        var after = DateTime.UtcNow;

        // DateTime.UtcNow has 100 ns units: allow one either side.
        Assert.InRange(now, before.AddTicks(-1), after.AddTicks(1));
        await Task.CompletedTask;
    }
}
