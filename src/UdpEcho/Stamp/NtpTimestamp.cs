using System.Buffers.Binary;

namespace UdpEcho.Stamp;

/// <summary>
/// The 64-bit NTP timestamp of RFC 5905 §6 that STAMP carries by default (RFC 8762 §4.2.1, Z = 0): 32 bits of seconds
/// since 1900-01-01 00:00:00 UTC, then 32 bits of fraction (one unit is 2^-32 s, about 0.23 ns).
/// </summary>
/// <remarks>
/// <para>
/// The seconds wrap every 2^32 s (136 years): 2036-02-07 06:28:16 UTC starts era 1 at seconds 0, and nothing in the
/// timestamp says which era it is in. Converting to a date therefore assumes one, as RFC 4330 §3 does: a timestamp with
/// the top bit set is in 1968-01-20 03:14:08 .. 2036-02-07 06:28:15 (era 0), one without it in 2036 .. 2104 (era 1).
/// Intervals need no era: <see cref="Subtract"/> takes the difference modulo 2^64 as RFC 5905 §6 prescribes, right
/// for any two timestamps less than 68 years apart, across the era boundary too.
/// </para>
/// <para>
/// Nanoseconds round to the nearest fraction and back to the nearest nanosecond. Because a fraction unit is finer than a
/// nanosecond, nanoseconds → timestamp → nanoseconds returns the same value for every instant in 1968 .. 2104.
/// </para>
/// </remarks>
internal readonly record struct NtpTimestamp(ulong Value)
{
    /// <summary>The size of the field on the wire.</summary>
    public const int Size = 8;

    /// <summary>Seconds from 1900-01-01 (NTP's epoch) to 1970-01-01 (Unix's): 70 years, 17 of them leap years.</summary>
    public const long UnixEpochSeconds = 2_208_988_800;

    private const long NanosecondsPerSecond = 1_000_000_000;
    private const long EraSeconds = 1L << 32;

    public NtpTimestamp(uint seconds, uint fraction)
        : this(((ulong)seconds << 32) | fraction)
    {
    }

    /// <summary>Gets the seconds field (seconds since the start of the era).</summary>
    public uint Seconds => (uint)(Value >> 32);

    /// <summary>Gets the fraction field, in units of 2^-32 s.</summary>
    public uint Fraction => (uint)Value;

    /// <summary>
    /// The realtime clock now, as a timestamp. On 64-bit Linux this is <c>clock_gettime(CLOCK_REALTIME)</c>, in
    /// nanoseconds, the clock <c>SO_TIMESTAMPNS</c> stamps received datagrams with; elsewhere <see cref="DateTime.UtcNow"/>,
    /// whose unit is 100 ns (it reads the same system clock).
    /// </summary>
    public static NtpTimestamp Now => FromUnixNanoseconds(UtcNowUnixNanoseconds());

    /// <summary>Gets the realtime clock in nanoseconds since the Unix epoch (see <see cref="Now"/>).</summary>
    public static long UtcNowUnixNanoseconds() =>
        StampNative.IsSupported ? StampNative.RealtimeNanoseconds() : ToUnixNanoseconds(DateTime.UtcNow);

    /// <summary>The timestamp of an instant given in nanoseconds since 1970-01-01 00:00:00 UTC (negative before).</summary>
    public static NtpTimestamp FromUnixNanoseconds(long unixNanoseconds)
    {
        var seconds = Math.DivRem(unixNanoseconds, NanosecondsPerSecond, out var nanoseconds);
        if (nanoseconds < 0)
        {
            seconds--;
            nanoseconds += NanosecondsPerSecond;
        }

        // Nearest fraction. The largest nanosecond count, 999,999,999, rounds to 0xFFFFFFFC: no carry into the seconds.
        var fraction = (ulong)(((nanoseconds << 32) + (NanosecondsPerSecond / 2)) / NanosecondsPerSecond);

        // The seconds keep their low 32 bits: the era is dropped, as on the wire.
        return new NtpTimestamp((uint)(seconds + UnixEpochSeconds), (uint)fraction);
    }

    /// <summary>The timestamp of <paramref name="time"/>; a local time is converted to UTC, an unspecified one taken as UTC.</summary>
    public static NtpTimestamp FromDateTime(DateTime time) => FromUnixNanoseconds(ToUnixNanoseconds(time));

    /// <summary>The difference <paramref name="later"/> − <paramref name="earlier"/> in nanoseconds (negative when it is earlier).</summary>
    public static long Subtract(NtpTimestamp later, NtpTimestamp earlier)
    {
        // Two's complement difference of the 32.32 values: right across an era boundary, within ±68 years.
        var difference = (long)(later.Value - earlier.Value);
        var seconds = difference >> 32;
        var fraction = difference & 0xFFFF_FFFF;
        return (seconds * NanosecondsPerSecond) + (((fraction * NanosecondsPerSecond) + (1L << 31)) >> 32);
    }

    public static NtpTimestamp Read(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadUInt64BigEndian(source));

    /// <summary>Nanoseconds since the Unix epoch, taking the era as described in the remarks (1968 .. 2104).</summary>
    public long ToUnixNanoseconds()
    {
        // RFC 4330 §3: top bit clear means era 1 (from 2036-02-07 06:28:16 UTC).
        var seconds = (long)Seconds + ((Seconds & 0x8000_0000) == 0 ? EraSeconds : 0) - UnixEpochSeconds;
        var nanoseconds = (((long)Fraction * NanosecondsPerSecond) + (1L << 31)) >> 32;
        return (seconds * NanosecondsPerSecond) + nanoseconds;
    }

    public DateTime ToDateTime() => DateTime.UnixEpoch.AddTicks(ToUnixNanoseconds() / 100);

    public void Write(Span<byte> destination) => BinaryPrimitives.WriteUInt64BigEndian(destination, Value);

    public override string ToString() => $"{ToDateTime():yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'} (0x{Seconds:X8}.{Fraction:X8})";

    private static long ToUnixNanoseconds(DateTime time)
    {
        if (time.Kind == DateTimeKind.Local)
        {
            time = time.ToUniversalTime();
        }

        return (time.Ticks - DateTime.UnixEpoch.Ticks) * 100;
    }
}
