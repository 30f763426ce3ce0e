using System.Runtime.InteropServices;

namespace UdpEcho.Stamp;

/// <summary>
/// The two C library calls STAMP needs on Linux: <c>clock_gettime(CLOCK_REALTIME)</c> for timestamps in nanoseconds
/// on the clock the kernel's <c>SO_TIMESTAMPNS</c> uses, and <c>adjtimex</c> for the clock's synchronization state.
/// The struct layouts are those of 64-bit glibc and musl (checked at run time), so <see cref="IsSupported"/> asks for a
/// 64-bit Linux process. This namespace keeps its own imports rather than borrow the transport's (it sits below it).
/// </summary>
internal static unsafe partial class StampNative
{
    /// <summary>The size of 64-bit Linux's <c>struct timex</c>, padding included.</summary>
    public const int TimexSize = 208;

    /// <summary><c>STA_UNSYNC</c>: the kernel's clock is not synchronized (set at boot, cleared by an NTP/PTP daemon).</summary>
    public const int StatusUnsynchronized = 0x0040;

    /// <summary><c>TIME_ERROR</c>: what <c>adjtimex</c> returns when the clock is not synchronized.</summary>
    public const int TimeError = 5;

    private const int ClockRealtime = 0;
    private const string LibC = "libc";

    private static readonly Lazy<bool> Probe = new(ProbeCalls);

    /// <summary>Gets a value indicating whether both calls exist here and the layouts match (probed once).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && Environment.Is64BitProcess && Probe.Value;

    /// <summary><c>struct timespec</c> on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    /// <summary><c>struct timex</c> on 64-bit Linux (C <c>long</c> is 64 bits there); only a few fields are read.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Timex
    {
        public uint Modes;
        public long Offset;
        public long Frequency;
        public long MaxError;

        /// <summary>The kernel's estimated error of the clock, in microseconds (maintained by the NTP/PTP daemon).</summary>
        public long EstimatedError;

        public int Status;
        public long Constant;
        public long Precision;
        public long Tolerance;
        public Timespec Time;
        public long Tick;
        public long PpsFrequency;
        public long Jitter;
        public int Shift;
        public long Stability;
        public long JitterCount;
        public long CalibrationCount;
        public long ErrorCount;
        public long StabilityCount;
        public int Tai;
        public fixed int Reserved[11];
    }

    // A vDSO call that neither blocks nor calls back: no GC transition is needed around it.
    [LibraryImport(LibC, EntryPoint = "clock_gettime")]
    [SuppressGCTransition]
    private static partial int ClockGetTime(int clock, Timespec* time);

    [LibraryImport(LibC, EntryPoint = "adjtimex", SetLastError = true)]
    private static partial int AdjustTime(Timex* timex);

    /// <summary>Reads <c>CLOCK_REALTIME</c> in nanoseconds since the Unix epoch. Call only when <see cref="IsSupported"/>.</summary>
    public static long RealtimeNanoseconds()
    {
        Timespec now;
        _ = ClockGetTime(ClockRealtime, &now);
        return (now.Seconds * 1_000_000_000L) + now.Nanoseconds;
    }

    /// <summary>
    /// Reads the clock's state with <c>adjtimex</c> in read-only mode (<c>modes</c> 0, which needs no privilege).
    /// Returns <c>adjtimex</c>'s result (a clock state, or -1 on failure). Call only when <see cref="IsSupported"/>.
    /// </summary>
    public static int ReadClockState(out int status, out long estimatedErrorMicroseconds)
    {
        var timex = default(Timex);
        var result = AdjustTime(&timex);
        status = timex.Status;
        estimatedErrorMicroseconds = timex.EstimatedError;
        return result;
    }

    private static bool ProbeCalls()
    {
        try
        {
            if (sizeof(Timex) != TimexSize || sizeof(Timespec) != 16)
            {
                return false;
            }

            // adjtimex may still fail at run time (a sandbox can forbid it): ClockSync then reports an unknown state.
            Timespec now;
            var timex = default(Timex);
            _ = AdjustTime(&timex);
            return ClockGetTime(ClockRealtime, &now) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }
}
