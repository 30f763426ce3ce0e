using System.Runtime.InteropServices;
using UdpEcho.Stamp;

namespace UdpEcho.Tests.Stamp;

/// <summary>
/// The clock's synchronization as <c>adjtimex</c>(2) reports it: <c>TIME_OK</c> = 0 .. <c>TIME_ERROR</c> = 5 returned,
/// <c>STA_UNSYNC</c> = 0x0040 in <c>status</c>, <c>esterror</c> in microseconds.
/// </summary>
public sealed class ClockSyncTests
{
    private const int TimeOk = 0;
    private const int TimeError = 5;
    private const int StaPll = 0x0001;
    private const int StaUnsync = 0x0040;
    private const int StaNano = 0x2000;

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Interpret_TimeOkAndSyncedStatus_IsSynchronizedWithTheKernelEstimate()
    {
        var state = ClockSync.Interpret(TimeOk, StaPll | StaNano, estimatedErrorMicroseconds: 1500);

        Assert.Equal(new ClockState(IsKnown: true, IsSynchronized: true, EstimatedErrorNanoseconds: 1_500_000), state);
        await Task.CompletedTask;
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(TimeError, StaUnsync)] // what a machine with no time daemon reports
    [InlineData(TimeOk, StaUnsync | StaPll)] // the status alone says unsynchronized
    [InlineData(TimeError, StaPll)] // the clock state alone says so
    public async Task Interpret_UnsyncOrTimeError_IsNotSynchronized(int result, int status)
    {
        var state = ClockSync.Interpret(result, status, estimatedErrorMicroseconds: 16_000_000);

        Assert.True(state.IsKnown);
        Assert.False(state.IsSynchronized);
        Assert.Equal(ErrorEstimate.Unsynchronized, state.ToErrorEstimate());
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Interpret_CallFailed_IsUnknownAndUnsynchronized()
    {
        var state = ClockSync.Interpret(-1, 0, 0);

        Assert.False(state.IsKnown);
        Assert.False(state.IsSynchronized);
        Assert.Equal(ErrorEstimate.Unsynchronized, state.ToErrorEstimate());
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ToErrorEstimate_Synchronized_SetsTheSBitAndEncodesTheEstimate()
    {
        var estimate = new ClockState(true, true, 1_000_000).ToErrorEstimate();

        Assert.Equal(new ErrorEstimate(0x8000 | (15 << 8) | 132), estimate);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Timex_Layout_MatchesSixtyFourBitLinux()
    {
        // Offsets from <sys/timex.h> on x86-64 and arm64 glibc (gcc offsetof): esterror 32, status 40, tai 160, size 208.
        Assert.Equal(208, Marshal.SizeOf<StampNative.Timex>());
        Assert.Equal(32, (int)Marshal.OffsetOf<StampNative.Timex>(nameof(StampNative.Timex.EstimatedError)));
        Assert.Equal(40, (int)Marshal.OffsetOf<StampNative.Timex>(nameof(StampNative.Timex.Status)));
        Assert.Equal(72, (int)Marshal.OffsetOf<StampNative.Timex>(nameof(StampNative.Timex.Time)));
        Assert.Equal(160, (int)Marshal.OffsetOf<StampNative.Timex>(nameof(StampNative.Timex.Tai)));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Read_ThisHost_IsKnownOn64BitLinuxOnly()
    {
        var state = ClockSync.Read();

        Assert.Equal(OperatingSystem.IsLinux() && Environment.Is64BitProcess, state.IsKnown);
        Assert.True(state.EstimatedErrorNanoseconds >= 0);
        await Task.CompletedTask;
    }
}
