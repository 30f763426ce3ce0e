using System.Diagnostics;
using UdpEcho.Transport.Linux;
using static UdpEcho.Transport.Linux.LinuxSockets;

namespace UdpEcho.Transport;

/// <summary>
/// A wait until a <see cref="Stopwatch"/> timestamp that ends on time to a few microseconds, not on the next tick of a
/// coarse clock (<see cref="System.Threading.Timer"/> runs on one that ticks every 4 ms on many Linux kernels), and
/// that another thread can cut short. On Linux: <c>ppoll</c> with a nanosecond timeout on an eventfd, with the thread's
/// timer slack set to 1 µs. Elsewhere: an event wait to within one period of the system timer (Windows rounds timed waits
/// to it: 15.6 ms unless an application raised the resolution), then a yielding spin to the due time.
/// </summary>
/// <remarks>One thread waits; any thread may <see cref="Wake"/> it. Call <see cref="PrepareThread"/> on the waiting thread first.</remarks>
internal sealed unsafe class PreciseWait : IDisposable
{
    private const int PrSetTimerSlack = 29;

    /// <summary>How late a timed event wait may end where there is no ppoll: Windows' default timer period, rounded up.</summary>
    private const int CoarsePeriodMilliseconds = 16;

    private readonly WakeEvent? _wake;
    private readonly ManualResetEventSlim? _event;

    public PreciseWait()
    {
        if (LinuxSockets.IsPlatform)
        {
            _wake = new WakeEvent();
        }
        else
        {
            _event = new ManualResetEventSlim(initialState: false, spinCount: 0);
        }
    }

    /// <summary>Makes the calling thread's timed waits end on time (Linux: 1 µs of timer slack instead of 50 µs).</summary>
    public void PrepareThread()
    {
        if (_wake is not null)
        {
            _ = ProcessControl(PrSetTimerSlack, 1, 0, 0, 0);
        }
    }

    /// <summary>Waits until <paramref name="due"/> (<see cref="long.MaxValue"/>: until woken), or until <see cref="Wake"/> is called.</summary>
    public void WaitUntil(long due)
    {
        var now = Stopwatch.GetTimestamp();
        if (due <= now)
        {
            return;
        }

        if (_wake is not null)
        {
            var fd = new PollFd { Fd = _wake.Fd, Events = PollIn };
            var timeout = due == long.MaxValue ? -1 : (long)((due - now) * (1_000_000_000.0 / Stopwatch.Frequency));
            _ = SocketCalls.Default.Poll(&fd, 1, timeout);
            if ((fd.ReturnedEvents & PollIn) != 0)
            {
                _wake.Reset();
            }

            return;
        }

        if (due == long.MaxValue)
        {
            _event!.Wait();
            _event.Reset();
            return;
        }

        // Sleep to within one timer period of the due time, then spin the rest: a timed wait can end that much late.
        var milliseconds = (due - now) * 1000 / Stopwatch.Frequency;
        if (milliseconds > CoarsePeriodMilliseconds && _event!.Wait((int)Math.Min(int.MaxValue, milliseconds - CoarsePeriodMilliseconds)))
        {
            _event.Reset();
            return;
        }

        var spinner = default(SpinWait);
        while (Stopwatch.GetTimestamp() < due && !_event!.IsSet)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }

        _event!.Reset();
    }

    public void Wake()
    {
        if (_wake is not null)
        {
            _wake.Set();
        }
        else
        {
            _event!.Set();
        }
    }

    public void Dispose()
    {
        _wake?.Dispose();
        _event?.Dispose();
    }
}
