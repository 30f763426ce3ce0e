using System.Net.Sockets;
using UdpEcho.Transport;

namespace UdpEcho.Correlation;

/// <summary>How a call's attempts are sent and timed: each waits longer than the one before, by a random extra too.</summary>
/// <remarks>
/// <para>
/// Attempt <c>n</c> waits <c>Timeout × RetryBackoff^(n-1)</c> (at most <see cref="MaxWait"/>); every attempt a retry
/// follows waits a random extra of up to <c>RetryJitter</c> of that, so that calls sent together and lost together (a
/// burst that overflowed a buffer) do not all send again in the same instant.
/// </para>
/// <para>
/// A timer callback may arrive late, early (system timers tick in milliseconds) or for an earlier use of a pooled
/// call; it is only a hint to compare the clock with the call's deadline, which is the truth.
/// </para>
/// </remarks>
internal sealed partial class EchoCalls
{
    /// <summary>The longest an attempt waits, however many retries came before it: about 24.8 days, the longest a timer can wait.</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromMilliseconds(int.MaxValue);

    private readonly TimeSpan _timeout;
    private readonly int _attempts;
    private readonly double _backoff;
    private readonly double _jitter;

    /// <summary>A call's timer fired: retry, time out, or, if it is early or stale, wait for the real deadline.</summary>
    internal void OnTimer(PendingEcho pending)
    {
        var resend = false;
        bool signal;
        lock (_gate)
        {
            if (pending.State != PendingEcho.Phase.Pending)
            {
                return;
            }

            var now = _time.GetTimestamp();
            if (now < pending.Deadline)
            {
                // Early, or left over from an earlier use of this pooled call: wait for the real deadline.
                var remaining = _time.GetElapsedTime(now, pending.Deadline);
                pending.Timer!.Change(TimeSpan.FromMilliseconds(Math.Ceiling(remaining.TotalMilliseconds)), Timeout.InfiniteTimeSpan);
                return;
            }

            if (pending.Sending)
            {
                // The attempt's datagram has not even left (a full send buffer): give it its whole wait once it does.
                pending.Deadline = now + ToTimestampTicks(pending.AttemptWait, _time);
                pending.Timer!.Change(pending.AttemptWait, Timeout.InfiniteTimeSpan);
                return;
            }

            if (pending.Attempt < _attempts)
            {
                pending.Attempt++;
                pending.Sending = true;
                Stamp(pending);
                resend = true;
                signal = false;
            }
            else
            {
                Interlocked.Increment(ref _connection.Counters.Timeouts);
                var waited = _time.GetElapsedTime(pending.FirstSentAt, now);
                Decide(pending, default, new TimeoutException(
                    $"No echo from {_connection.Remote} after {_attempts} attempt(s) over {waited.TotalMilliseconds:0} ms."));
                signal = TryMarkSignalled(pending);
            }
        }

        if (resend)
        {
            Interlocked.Increment(ref _connection.Counters.Retries);
            _connection.RecordRetry();

            // In exact-bytes mode an echo of an earlier attempt still completes the call: the bytes are the same.
            Transmit(pending);
            Pump();
        }
        else
        {
            if (signal)
            {
                _connection.RecordTimeout();
            }

            Ended(pending, signal);
        }
    }

    /// <summary>Marks the start of an attempt: its send time, its deadline, its tag. Under the lock, just before the send.</summary>
    private void Stamp(PendingEcho pending)
    {
        // Done before the timestamp, so that only what must follow it runs between the timestamp and the send. The
        // timer may fire a moment early for that: its callback compares the clock with the deadline and waits on.
        var wait = _timeout == Timeout.InfiniteTimeSpan ? Timeout.InfiniteTimeSpan : WaitOf(pending.Attempt);
        var waitTicks = wait == Timeout.InfiniteTimeSpan ? long.MaxValue : ToTimestampTicks(wait, _time);
        if (!pending.Discard)
        {
            // The warm-up's call ends at once: a timer armed for it would only confuse a test's fake clock.
            pending.Timer?.Change(wait, Timeout.InfiniteTimeSpan);
        }

        var now = _time.GetTimestamp();
        if (pending.Attempt == 1)
        {
            pending.FirstSentAt = now;
        }

        pending.SentAt = now;
        pending.AttemptWait = wait;
        pending.Deadline = waitTicks == long.MaxValue ? long.MaxValue : now + waitTicks;
        if (pending.CallNumber >= 0)
        {
            EchoTag.WriteSequence(pending.Datagram, EchoTag.CallSequence(pending.CallNumber, pending.Attempt), now);
        }
    }

    /// <summary>How long attempt <paramref name="attempt"/> waits: backed off, and with jitter when a retry follows it.</summary>
    private TimeSpan WaitOf(int attempt)
    {
        var wait = _timeout.Ticks * Math.Pow(_backoff, attempt - 1);
        if (attempt < _attempts && _jitter > 0)
        {
            wait *= 1 + (Random.Shared.NextDouble() * _jitter);
        }

        return wait >= MaxWait.Ticks ? MaxWait : TimeSpan.FromTicks((long)wait);
    }

    /// <summary>Sends the attempt just stamped, then lets the call be decided or told. Outside the lock; never pumps the queue, so that pumping never recurses.</summary>
    private void Transmit(PendingEcho pending)
    {
        Interlocked.Increment(ref _connection.Counters.DatagramsSent);
        var error = _connection.Send(pending.Wire.Span);
        SendCompleted(pending, error == SocketError.Success ? null : error);
    }

    /// <summary>Hears that a send of <paramref name="pending"/> ended, with <paramref name="error"/> when it failed.</summary>
    private void SendCompleted(PendingEcho pending, SocketError? error)
    {
        bool signal;
        lock (_gate)
        {
            pending.Sending = false;
            if (error is { } failed)
            {
                Decide(pending, default, MapSendError(failed));
            }

            signal = TryMarkSignalled(pending);
        }

        // A failed send frees a place too; whoever sent (Start, the timer, Pump) gives it to the next call waiting.
        if (signal)
        {
            Finish(pending);
        }
    }

    private Exception MapSendError(SocketError error)
    {
        if (_connection.Closing || error == SocketError.OperationAborted)
        {
            return ClientErrors.Disposed("sending");
        }

        var e = new SocketException((int)error);

        // Anything else the OS refuses (a broadcast destination, no buffer space) still names the endpoint.
        return UdpSockets.IsUnreachable(error)
            ? _connection.Unreachable(e)
            : new UdpEchoException($"Sending to {_connection.Remote} failed: {e.Message} ({error}).", error, _connection.Remote, e);
    }
}
