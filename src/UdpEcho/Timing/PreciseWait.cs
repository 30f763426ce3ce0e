using System.Diagnostics;
using System.Runtime.InteropServices;
using UdpEcho.Transport.Linux;
using static UdpEcho.Transport.Linux.LinuxSockets;

namespace UdpEcho.Timing;

/// <summary>
/// A thread's wait until a <see cref="Stopwatch"/> timestamp, to a small fraction of a millisecond, or until another
/// thread calls <see cref="Set"/>: what a loop that must act on time blocks in. Not <see cref="Timer"/> or
/// <see cref="TimeProvider.System"/>'s timers: on Linux their queue runs on a coarse clock that advances in steps of
/// the kernel's tick (4 ms at HZ=250), so a 1 ms timer fires 0 to 4 ms late.
/// </summary>
/// <remarks>
/// <para>
/// On 64-bit Linux the thread sleeps in <c>ppoll</c> on an eventfd with a nanosecond timeout, which the kernel serves
/// with a high-resolution timer: it wakes within the thread's timer slack of the due time (50 µs by default, about
/// 1 µs after <see cref="TightenCurrentThread"/>) and costs no CPU while it sleeps; waits under 50 µs yield in a
/// loop instead. Elsewhere it sleeps on an event to within <see cref="SpinWindow"/> of the due time, then yields
/// the processor in a loop until it is reached: as precise, at the cost of up to that long on a core per wait.
/// </para>
/// <para>One thread waits; any thread may <see cref="Set"/>. A <see cref="Set"/> with nobody waiting ends the next wait at once.</para>
/// </remarks>
internal sealed unsafe class PreciseWait : IDisposable
{
    /// <summary>How long before the due time the portable wait stops sleeping and starts yielding: more than the coarsest sleep granularity it is likely to meet (15.6 ms on Windows).</summary>
    private static readonly long SpinWindow = Stopwatch.Frequency / 50;

    /// <summary>Below this, a wait yields the processor in a loop rather than sleep: a sleep that short would end late by more than it lasts.</summary>
    private static readonly long SleepThreshold = Stopwatch.Frequency / 20_000;

    private readonly WakeEvent? _event;
    private readonly ManualResetEventSlim? _portable;

    public PreciseWait()
    {
        if (IsSupported)
        {
            _event = new WakeEvent();
        }
        else
        {
            _portable = new ManualResetEventSlim(false, spinCount: 0);
        }
    }

    /// <summary>Ends the current wait, or the next one if none is under way.</summary>
    public void Set()
    {
        if (_event is not null)
        {
            _event.Set();
        }
        else
        {
            _portable!.Set();
        }
    }

    /// <summary>
    /// Makes the calling thread's sleeps end as close to their due time as the hardware allows: on Linux the kernel
    /// otherwise lets a sleep run up to 50 µs long (the timer slack) to group wake-ups. Call it once, on the thread
    /// that waits.
    /// </summary>
    public static void TightenCurrentThread()
    {
        if (IsSupported)
        {
            _ = ProcessControl(PrSetTimerSlack, 1, 0, 0, 0);
        }
    }

    /// <summary>Waits until <paramref name="dueTimestamp"/> or <see cref="Set"/>, whichever comes first.</summary>
    /// <param name="dueTimestamp">A <see cref="Stopwatch.GetTimestamp"/> value; <see cref="long.MaxValue"/> waits for <see cref="Set"/> only.</param>
    /// <returns><see langword="true"/> when woken by <see cref="Set"/>.</returns>
    public bool Wait(long dueTimestamp) => _event is not null ? WaitLinux(dueTimestamp) : WaitPortable(dueTimestamp);

    public void Dispose()
    {
        _event?.Dispose();
        _portable?.Dispose();
    }

    private const int PrSetTimerSlack = 29;

    private bool WaitLinux(long dueTimestamp)
    {
        var fd = new PollFd { Fd = _event!.Fd, Events = PollIn };
        while (true)
        {
            var timeout = default(TimeSpec);
            if (dueTimestamp != long.MaxValue)
            {
                var remaining = dueTimestamp - Stopwatch.GetTimestamp();
                if (remaining <= 0)
                {
                    return false;
                }

                if (remaining < SleepThreshold)
                {
                    // Too short to sleep: look at the event without waiting, and yield meanwhile.
                    timeout = default;
                    if (PollPrecise(&fd, 1, &timeout, null) > 0)
                    {
                        _event.Reset();
                        return true;
                    }

                    Thread.Yield();
                    continue;
                }

                var nanoseconds = (long)((Int128)remaining * 1_000_000_000 / Stopwatch.Frequency);
                timeout = new TimeSpec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
            }

            var ready = PollPrecise(&fd, 1, dueTimestamp == long.MaxValue ? null : &timeout, null);
            if (ready > 0)
            {
                _event.Reset();
                return true;
            }

            if (ready < 0 && Marshal.GetLastPInvokeError() != EIntr)
            {
                throw new InvalidOperationException($"ppoll failed: {Marshal.GetLastPInvokeErrorMessage()}.");
            }

            // Timed out (the slack may end it a hair early) or interrupted: look at the clock again.
        }
    }

    private bool WaitPortable(long dueTimestamp)
    {
        var wait = _portable!;
        while (true)
        {
            if (wait.IsSet)
            {
                wait.Reset();
                return true;
            }

            var remaining = dueTimestamp == long.MaxValue ? long.MaxValue : dueTimestamp - Stopwatch.GetTimestamp();
            if (remaining <= 0)
            {
                return false;
            }

            if (remaining > SpinWindow)
            {
                var sleep = remaining == long.MaxValue ? Timeout.InfiniteTimeSpan : Stopwatch.GetElapsedTime(0, remaining - SpinWindow);
                _ = wait.Wait(sleep);
            }
            else
            {
                Thread.Yield();
            }
        }
    }
}
