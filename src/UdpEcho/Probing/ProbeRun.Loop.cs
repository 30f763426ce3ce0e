using UdpEcho.Timing;

namespace UdpEcho.Probing;

/// <summary>The probe's own loop: send what is due, time out what has waited too long, sleep until the next of either.</summary>
/// <remarks>
/// <para>
/// With <see cref="TimeProvider.System"/> the loop has a thread of its own and sleeps in a <see cref="PreciseWait"/>,
/// so a probe due in 1 ms leaves in 1 ms, not on the next 4 ms tick of the system's timers; an echo or a cancellation
/// wakes it early. The thread is blocked, not spinning, between sends: it takes no core from the receive thread or
/// from a server on the same machine.
/// </para>
/// <para>
/// With any other <see cref="TimeProvider"/> (a test's fake clock) the same loop is an ordinary async method whose
/// waits are that provider's timers, so the test decides when time passes.
/// </para>
/// </remarks>
internal sealed partial class ProbeRun
{
    private readonly PreciseWait? _preciseWake;
    private readonly AsyncSignal? _timerWake;

    // When the loop will next look on its own: what it sleeps until, or long.MinValue while it runs.
    private long _loopWakeAt = long.MinValue;

    // An echo made the next probe due; the receive thread sends it once it is done with the echo.
    private volatile bool _dueOnReceiveThread;

    private enum Step
    {
        Send,
        Wait,
        Done,
    }

    public Task<UdpEchoProbeResult> RunAsync(CancellationToken cancellationToken)
    {
        if (_preciseWake is null)
        {
            return LoopAsync(cancellationToken);
        }

        // Every wait of a precise loop blocks its thread and returns a completed task, so the loop never leaves it.
        var done = new TaskCompletionSource<UdpEchoProbeResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                PreciseWait.TightenCurrentThread();
                done.SetResult(LoopAsync(cancellationToken).GetAwaiter().GetResult());
            }
#pragma warning disable CA1031 // Handed to the caller, whatever it is.
            catch (Exception e)
#pragma warning restore CA1031
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "UdpEcho probe",
        };

        // The thread must not carry the caller's AsyncLocals: it is the probe's, not theirs.
        thread.UnsafeStart();
        return done.Task;
    }

    private async Task<UdpEchoProbeResult> LoopAsync(CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.UnsafeRegister(static state => ((ProbeRun)state!).Wake(), this);
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long now;
                long wakeAt;
                lock (_gate)
                {
                    now = _time.GetTimestamp();
                    var step = NextStepLocked(now, out wakeAt);
                    if (step == Step.Done)
                    {
                        return BuildResultLocked();
                    }

                    if (step == Step.Send)
                    {
                        SendNextLocked();
                        continue;
                    }

                    _loopWakeAt = wakeAt;
                }

                await WaitAsync(now, wakeAt).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            lock (_gate)
            {
                throw new UdpEchoProbeCanceledException("The probe was cancelled; Result holds what it measured until then.", BuildResultLocked(), cancellationToken);
            }
        }
    }

    /// <summary>Wakes the loop: an echo freed a place in the window, the probe failed, or it was cancelled.</summary>
    private void Wake()
    {
        _preciseWake?.Set();
        _timerWake?.Set();
    }

    /// <summary>
    /// The receive thread is done with a datagram and about to receive the next: sends the probe an echo made due, as
    /// a single-threaded ping sends right after it has handled what it received. No second thread to wake, and the
    /// receive thread is back in its receive before the next echo can arrive.
    /// </summary>
    public void SendWhatIsDue()
    {
        if (!_dueOnReceiveThread)
        {
            return;
        }

        lock (_gate)
        {
            _dueOnReceiveThread = false;
            if (_fault is null && NextStepLocked(_time.GetTimestamp(), out _) == Step.Send)
            {
                SendNextLocked();
            }

            WakeIfSoonerLocked();
        }
    }

    /// <summary>
    /// A probe was resolved, on the receive thread. If that makes the next probe due (it waited for a place in the
    /// window), the receive thread sends it when it is done (<see cref="SendWhatIsDue"/>); otherwise the loop is woken
    /// only if it now has something to do sooner than it planned (finish, or a send due before its wake-up). Under
    /// the lock.
    /// </summary>
    private void ResolvedLocked()
    {
        if (_fault is not null)
        {
            return;
        }

        if (NextStepLocked(_time.GetTimestamp(), out _) == Step.Send)
        {
            _dueOnReceiveThread = true;
            return;
        }

        WakeIfSoonerLocked();
    }

    private void WakeIfSoonerLocked()
    {
        if (_fault is not null || NextStepLocked(_time.GetTimestamp(), out var wakeAt) != Step.Wait || wakeAt < _loopWakeAt)
        {
            Wake();
        }
    }

    private ValueTask WaitAsync(long now, long wakeAt)
    {
        if (_preciseWake is not null)
        {
            _preciseWake.Wait(wakeAt);
            return ValueTask.CompletedTask;
        }

        if (wakeAt == long.MaxValue)
        {
            return _timerWake!.WaitAsync(null);
        }

        // Timers tick in milliseconds; waking early would only spin, so round up.
        var remaining = _time.GetElapsedTime(now, wakeAt);
        return _timerWake!.WaitAsync(TimeSpan.FromMilliseconds(Math.Max(1, Math.Ceiling(remaining.TotalMilliseconds))));
    }

    /// <summary>
    /// Decides what the loop does next: <see cref="Step.Send"/> now (<paramref name="wakeAt"/> is <paramref name="now"/>),
    /// <see cref="Step.Wait"/> until <paramref name="wakeAt"/> (<see cref="long.MaxValue"/>: until woken), or
    /// <see cref="Step.Done"/>.
    /// </summary>
    private Step NextStepLocked(long now, out long wakeAt)
    {
        if (_fault is { } fault)
        {
            throw fault;
        }

        ExpireLocked(now);
        if (!_sendingDone && (_ledger.Next >= _total || (_measureStart >= 0 && now - _measureStart >= _durationTicks)))
        {
            _sendingDone = true;
        }

        wakeAt = long.MaxValue;
        if (_sendingDone && _ledger.InFlight == 0)
        {
            return Step.Done;
        }

        if (!_sendingDone)
        {
            // Probe k is due k intervals after the first: small delays are not carried forward.
            var due = _ledger.Next == 0 || _intervalTicks <= 0 ? now : _scheduleStart + (long)(_ledger.Next * _intervalTicks);
            if (due > now)
            {
                // Wakes when it is due even with a full window, so that echoes before then need not wake it.
                wakeAt = due;
            }
            else if (_ledger.InFlight < _window)
            {
                if (now - due > _lateTicks)
                {
                    // Later than that (the machine was busy): the schedule moves on from now, rather than make up
                    // for lost time with a burst of datagrams that would measure the burst, not the path.
                    _scheduleStart += now - due;
                }

                wakeAt = now;
                return Step.Send;
            }
        }

        if (!_sendingDone && _measureStart >= 0 && _durationTicks != long.MaxValue)
        {
            wakeAt = Math.Min(wakeAt, _measureStart + _durationTicks);
        }

        if (_ledger.InFlight > 0)
        {
            // After ExpireLocked the oldest probe is in flight and not yet due.
            wakeAt = Math.Min(wakeAt, _ledger.SentAt(_ledger.Oldest) + _timeoutTicks);
        }

        return Step.Wait;
    }
}
