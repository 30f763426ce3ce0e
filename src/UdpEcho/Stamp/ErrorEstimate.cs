using System.Buffers.Binary;

namespace UdpEcho.Stamp;

/// <summary>
/// The 16-bit Error Estimate of RFC 4656 §4.1.2, which STAMP uses unchanged (RFC 8762 §4.2.1), with the Z bit of
/// RFC 8186 §2.3:
/// <code>
///  0                   1
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |S|Z|   Scale   |   Multiplier  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// S = 1: the clock is synchronized to UTC by an external source. Z = 0: the timestamps are NTP format, 1: PTPv2.
/// The estimate is Multiplier × 2^(Scale − 32) seconds; a Multiplier of 0 is invalid.
/// </summary>
internal readonly record struct ErrorEstimate(ushort Value)
{
    /// <summary>The size of the field on the wire.</summary>
    public const int Size = 2;

    private const ushort SynchronizedBit = 0x8000;
    private const ushort PtpBit = 0x4000;
    private const int MaxScale = 63;
    private const int MaxMultiplier = 255;

    /// <summary>
    /// What a clock with no known error sends: S = 0, Z = 0, Scale 0, Multiplier 1 (the smallest valid estimate).
    /// OWAMP's reference implementation (perfSONAR owamp) sends this for an unsynchronized clock, and so do STAMP
    /// implementations; S = 0 is what tells the receiver that the figure means nothing.
    /// </summary>
    public static ErrorEstimate Unsynchronized { get; } = new(0x0001);

    public ErrorEstimate(bool synchronized, bool ptpFormat, int scale, int multiplier)
        : this(Pack(synchronized, ptpFormat, scale, multiplier))
    {
    }

    /// <summary>Gets the S bit: the clock that took the timestamp is synchronized to UTC by an external source.</summary>
    public bool IsSynchronized => (Value & SynchronizedBit) != 0;

    /// <summary>Gets the Z bit: the timestamps are PTPv2 truncated format rather than NTP.</summary>
    public bool IsPtpFormat => (Value & PtpBit) != 0;

    public int Scale => (Value >> 8) & MaxScale;

    public int Multiplier => Value & MaxMultiplier;

    /// <summary>Gets a value indicating whether the field is valid (RFC 4656 §4.1.2: the Multiplier must not be 0).</summary>
    public bool IsValid => Multiplier != 0;

    /// <summary>Gets the estimate in seconds: Multiplier × 2^(Scale − 32).</summary>
    public double Seconds => Multiplier * Math.ScaleB(1.0, Scale - 32);

    /// <summary>
    /// Encodes an error of <paramref name="nanoseconds"/> (NTP format, Z = 0): the smallest Scale whose Multiplier fits,
    /// and the Multiplier rounded up so that the field never claims a smaller error than given. An error below one
    /// unit (2^-32 s) encodes as Multiplier 1. (The field reaches 255 × 2^31 s, beyond any error a long can hold.)
    /// </summary>
    public static ErrorEstimate FromNanoseconds(long nanoseconds, bool synchronized)
    {
        // The error in units of 2^-32 s, rounded up. 128 bits: a long's worth of nanoseconds times 2^32 overflows 64.
        var units = ((UInt128)(ulong)Math.Max(nanoseconds, 0) << 32) + 999_999_999;
        units /= 1_000_000_000;

        var scale = 0;
        while (units > MaxMultiplier && scale < MaxScale)
        {
            // Halving rounds up, so that the shifted-off bits are not lost from the estimate.
            units = (units + 1) >> 1;
            scale++;
        }

        var multiplier = (int)UInt128.Clamp(units, 1, MaxMultiplier);
        return new ErrorEstimate(synchronized, ptpFormat: false, scale, multiplier);
    }

    public static ErrorEstimate Read(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadUInt16BigEndian(source));

    public void Write(Span<byte> destination) => BinaryPrimitives.WriteUInt16BigEndian(destination, Value);

    public override string ToString() =>
        $"S={(IsSynchronized ? 1 : 0)} Z={(IsPtpFormat ? 1 : 0)} Scale={Scale} Multiplier={Multiplier} ({Seconds:G3} s)";

    private static ushort Pack(bool synchronized, bool ptpFormat, int scale, int multiplier)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(scale);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(scale, MaxScale);
        ArgumentOutOfRangeException.ThrowIfNegative(multiplier);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(multiplier, MaxMultiplier);
        return (ushort)((synchronized ? SynchronizedBit : 0) | (ptpFormat ? PtpBit : 0) | (scale << 8) | multiplier);
    }
}
