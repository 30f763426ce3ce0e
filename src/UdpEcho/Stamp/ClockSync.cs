namespace UdpEcho.Stamp;

/// <summary>What the operating system says of its clock: synchronized or not, and the error it estimates.</summary>
/// <param name="IsKnown">The state could be read (64-bit Linux, <c>adjtimex</c> allowed); otherwise nothing is known.</param>
/// <param name="IsSynchronized">A time daemon (ntpd, chrony, ptp4l...) keeps the clock synchronized to UTC.</param>
/// <param name="EstimatedErrorNanoseconds">The kernel's estimated error (<c>esterror</c>), meaningful when synchronized.</param>
internal readonly record struct ClockState(bool IsKnown, bool IsSynchronized, long EstimatedErrorNanoseconds)
{
    /// <summary>
    /// The Error Estimate for timestamps taken on this clock: S = 1 and the kernel's estimate when synchronized (at least
    /// one unit: RFC 4656 forbids a zero Multiplier); otherwise <see cref="ErrorEstimate.Unsynchronized"/>.
    /// </summary>
    public ErrorEstimate ToErrorEstimate() =>
        IsSynchronized ? ErrorEstimate.FromNanoseconds(EstimatedErrorNanoseconds, synchronized: true) : ErrorEstimate.Unsynchronized;
}

/// <summary>
/// Asks the kernel whether the system clock is synchronized: <c>adjtimex</c> in read-only mode, on 64-bit Linux. The
/// clock counts as synchronized when <c>STA_UNSYNC</c> is clear in the status and the call did not return
/// <c>TIME_ERROR</c>, which is how the kernel reports that no daemon has disciplined the clock lately. Elsewhere, or when
/// the call fails, the state is unknown and treated as unsynchronized.
/// </summary>
/// <remarks>
/// A system call: a reflector reads it about once a second (see <see cref="StampReflector"/>), not per datagram.
/// </remarks>
internal static class ClockSync
{
    public static ClockState Read()
    {
        if (!StampNative.IsSupported)
        {
            return default;
        }

        var result = StampNative.ReadClockState(out var status, out var estimatedErrorMicroseconds);
        return Interpret(result, status, estimatedErrorMicroseconds);
    }

    /// <summary>The Error Estimate of this host's clock now (see <see cref="ClockState.ToErrorEstimate"/>).</summary>
    public static ErrorEstimate ReadErrorEstimate() => Read().ToErrorEstimate();

    /// <summary>Decides from what <c>adjtimex</c> returned: its result, <c>status</c> and <c>esterror</c> (microseconds).</summary>
    public static ClockState Interpret(int result, int status, long estimatedErrorMicroseconds)
    {
        if (result < 0)
        {
            return default;
        }

        var synchronized = result != StampNative.TimeError && (status & StampNative.StatusUnsynchronized) == 0;
        var nanoseconds = estimatedErrorMicroseconds > long.MaxValue / 1000 ? long.MaxValue : Math.Max(estimatedErrorMicroseconds, 0) * 1000;
        return new ClockState(IsKnown: true, synchronized, nanoseconds);
    }
}
