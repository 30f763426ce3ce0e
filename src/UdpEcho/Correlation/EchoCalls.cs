using System.Net.Sockets;
using UdpEcho.Transport;

namespace UdpEcho.Correlation;

/// <summary>
/// The <see cref="IUdpEchoClient.SendAndReceiveAsync(ReadOnlyMemory{byte}, CancellationToken)"/> calls in flight on
/// one connection, and everything that can end one: its echo, its timeout (after the last retry), its cancellation,
/// an unreachable destination, the client's disposal.
/// </summary>
/// <remarks>
/// <para>
/// One lock guards the table and every call's state, and every timer change is made under it, so the order of
/// events is the order of lock acquisitions. A call's outcome is decided once (<see cref="PendingEcho.Phase.Decided"/>);
/// the caller is told only when no send of the call is still reading its payload, so the caller may reuse the memory
/// as soon as its await returns.
/// </para>
/// <para>
/// A timer callback may arrive late, early (system timers tick in milliseconds) or for an earlier use of a pooled
/// call; it is only a hint to compare the clock with the call's deadline, which is the truth.
/// </para>
/// </remarks>
internal sealed class EchoCalls
{
    private static readonly Action<object?, CancellationToken> OnCanceledCallback = static (state, token) => ((PendingEcho)state!).Owner.OnCanceled((PendingEcho)state!, token);

    private readonly object _gate = new();
    private readonly PendingEchoTable _table = new();
    private readonly PendingEchoPool _pool;
    private readonly RecentCalls? _recent;
    private readonly IEchoConnection _connection;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly long _timeoutTicks;
    private readonly int _attempts;
    private long _nextCallNumber;
    private Exception? _closedBy;

    public EchoCalls(IEchoConnection connection, UdpEchoClientOptions options)
    {
        _connection = connection;
        _time = options.TimeProvider;
        _timeout = options.Timeout;
        _timeoutTicks = options.Timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : ToTimestampTicks(options.Timeout, _time);
        _attempts = 1 + options.Retries;
        Tagged = options.Matching == UdpEchoMatching.Tagged;
        _recent = Tagged ? new RecentCalls() : null;
        _pool = new PendingEchoPool(this, _time, timed: _timeoutTicks != long.MaxValue);
    }

    public bool Tagged { get; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _table.Count;
            }
        }
    }

    public static long ToTimestampTicks(TimeSpan span, TimeProvider time) =>
        (long)Math.Ceiling(span.Ticks * (double)time.TimestampFrequency / TimeSpan.TicksPerSecond);

    public ValueTask<UdpEchoReply> Start(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var pending = _pool.Rent();
        pending.Payload = payload;
        pending.CancellationToken = cancellationToken;
        if (Tagged)
        {
            pending.CallNumber = Interlocked.Increment(ref _nextCallNumber) - 1;
            pending.Hash = PendingEchoTable.HashOf(pending.CallNumber);
            pending.PrepareTagged(payload.Span);
        }
        else
        {
            pending.Hash = PendingEchoTable.HashOf(payload.Span);
        }

        var version = pending.Version;
        lock (_gate)
        {
            if (_closedBy is { } closed)
            {
                _pool.Return(pending);
                return ValueTask.FromException<UdpEchoReply>(closed);
            }

            pending.State = PendingEcho.Phase.Pending;
            pending.Attempt = 1;
            _table.Add(pending);
        }

        if (cancellationToken.CanBeCanceled)
        {
            // Registered once the call is in the table (a token cancelled meanwhile cancels the call right here), and
            // before the send is stamped, so that registering is not timed as part of the round trip.
            pending.Registration = cancellationToken.UnsafeRegister(OnCanceledCallback, pending);
        }

        bool send;
        lock (_gate)
        {
            // Cancelled at once, or failed by Dispose meanwhile: nothing to send, and the caller is told already.
            send = pending.State == PendingEcho.Phase.Pending;
            if (send)
            {
                pending.Sending = true;
                Stamp(pending);
            }
        }

        if (send)
        {
            Transmit(pending);
        }

        // Until this returns the caller cannot read the result, so the call cannot have gone back to the pool.
        return new ValueTask<UdpEchoReply>(pending, version);
    }

    /// <summary>Completes the oldest call whose payload equals <paramref name="echo"/>.</summary>
    /// <returns><see langword="true"/> when a call was completed.</returns>
    public bool TryCompleteExact(ReadOnlySpan<byte> echo, long receivedAt)
    {
        var hash = PendingEchoTable.HashOf(echo);
        PendingEcho? pending;
        bool signal;
        lock (_gate)
        {
            pending = _table.FindExact(hash, echo);
            if (pending is null)
            {
                return false;
            }

            // Identical bytes cannot say which attempt they echo, so the round trip runs from the latest send.
            var roundTrip = _time.GetElapsedTime(pending.SentAt, Math.Max(receivedAt, pending.SentAt));
            Decide(pending, new UdpEchoReply(pending.Payload, roundTrip, _connection.Remote, pending.Attempt), null);
            signal = TryMarkSignalled(pending);
        }

        if (signal)
        {
            Finish(pending);
        }

        return true;
    }

    /// <summary>Completes the tagged call that <paramref name="tag"/> names, or says why it cannot.</summary>
    public UdpEchoMessageKind CompleteTagged(EchoTag tag, ReadOnlySpan<byte> datagram, long receivedAt)
    {
        var callNumber = tag.CallNumber;
        var attempt = tag.Attempt;
        PendingEcho? pending;
        bool signal;
        lock (_gate)
        {
            if (callNumber >= Volatile.Read(ref _nextCallNumber))
            {
                return UdpEchoMessageKind.Foreign;
            }

            pending = _table.FindCall(callNumber);
            if (pending is null)
            {
                return _recent!.Classify(callNumber, attempt);
            }

            // The header names one of our calls; everything else must be exactly what that call sent.
            if (attempt > pending.Attempt
                || tag.Timestamp < pending.FirstSentAt
                || tag.Timestamp > receivedAt
                || (attempt == pending.Attempt && tag.Timestamp != pending.SentAt)
                || !datagram[EchoTag.Length..].SequenceEqual(pending.TaggedPayload))
            {
                return UdpEchoMessageKind.Corrupt;
            }

            // The echo carries its own send time: the round trip of exactly the attempt that came back.
            var roundTrip = _time.GetElapsedTime(tag.Timestamp, receivedAt);
            Decide(pending, new UdpEchoReply(pending.Payload, roundTrip, _connection.Remote, pending.Attempt), null, attempt);
            signal = TryMarkSignalled(pending);
        }

        if (signal)
        {
            Finish(pending);
        }

        return UdpEchoMessageKind.Echo;
    }

    /// <summary>Fails every call in flight; when <paramref name="closing"/>, every later call too.</summary>
    public void FailAll(Exception exception, bool closing)
    {
        var signalled = new List<PendingEcho>();
        lock (_gate)
        {
            if (closing)
            {
                _closedBy = exception;
                _pool.Close();
            }

            foreach (var pending in _table.ToList())
            {
                Decide(pending, default, exception);
                if (TryMarkSignalled(pending))
                {
                    signalled.Add(pending);
                }
            }
        }

        foreach (var pending in signalled)
        {
            Finish(pending);
        }
    }

    /// <summary>Sends the attempt just stamped, then lets the call be decided or told. Outside the lock.</summary>
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

        if (signal)
        {
            Finish(pending);
        }
    }

    /// <summary>Takes back a call whose caller has read the result.</summary>
    public void Return(PendingEcho pending) => _pool.Return(pending);

    /// <summary>Marks the start of an attempt: its send time, its deadline, its tag. Under the lock.</summary>
    private void Stamp(PendingEcho pending)
    {
        var now = _time.GetTimestamp();
        if (pending.Attempt == 1)
        {
            pending.FirstSentAt = now;
        }

        pending.SentAt = now;
        pending.Deadline = _timeoutTicks == long.MaxValue ? long.MaxValue : now + _timeoutTicks;
        if (pending.CallNumber >= 0)
        {
            EchoTag.WriteSequence(pending.Datagram, EchoTag.CallSequence(pending.CallNumber, pending.Attempt), now);
        }

        pending.Timer?.Change(_timeout, Timeout.InfiniteTimeSpan);
    }

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
                // The attempt's datagram has not even left (a full send buffer): give it a whole timeout once it does.
                pending.Deadline = now + _timeoutTicks;
                pending.Timer!.Change(_timeout, Timeout.InfiniteTimeSpan);
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
                Decide(pending, default, new TimeoutException(
                    $"No echo from {_connection.Remote} after {_attempts} attempt(s) of {_timeout.TotalMilliseconds:0.###} ms each."));
                signal = TryMarkSignalled(pending);
            }
        }

        if (resend)
        {
            Interlocked.Increment(ref _connection.Counters.Retries);
            _connection.RecordRetry();

            // In exact-bytes mode an echo of an earlier attempt still completes the call: the bytes are the same.
            Transmit(pending);
        }
        else if (signal)
        {
            _connection.RecordTimeout();
            Finish(pending);
        }
    }

    private void OnCanceled(PendingEcho pending, CancellationToken token)
    {
        bool signal;
        lock (_gate)
        {
            if (pending.State != PendingEcho.Phase.Pending || pending.CancellationToken != token)
            {
                return;
            }

            Decide(pending, default, new OperationCanceledException(token));
            signal = TryMarkSignalled(pending);
        }

        if (signal)
        {
            Finish(pending);
        }
    }

    /// <summary>Records the outcome, once, and takes the call out of the table. Under the lock.</summary>
    private void Decide(PendingEcho pending, UdpEchoReply reply, Exception? error, int answeredAttempt = 0)
    {
        if (pending.State != PendingEcho.Phase.Pending)
        {
            return;
        }

        pending.State = PendingEcho.Phase.Decided;
        pending.Reply = reply;
        pending.Error = error;
        _table.Remove(pending);
        if (pending.CallNumber >= 0)
        {
            _recent!.Record(pending.CallNumber, error is null ? answeredAttempt : 0);
        }

        if (error is null)
        {
            Interlocked.Increment(ref _connection.Counters.Echoes);
        }
    }

    /// <summary>Moves a decided call with no send in flight to <see cref="PendingEcho.Phase.Signalled"/>. Under the lock.</summary>
    private static bool TryMarkSignalled(PendingEcho pending)
    {
        if (pending.State != PendingEcho.Phase.Decided || pending.Sending)
        {
            return false;
        }

        pending.State = PendingEcho.Phase.Signalled;
        pending.Timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return true;
    }

    /// <summary>Tells the caller. Outside the lock: disposing the registration may wait for a running cancellation callback.</summary>
    private void Finish(PendingEcho pending)
    {
        pending.Registration.Dispose();
        if (pending.Error is null)
        {
            _connection.RecordRoundTrip(pending.Reply.RoundTripTime);
        }

        pending.Signal();
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
