namespace UdpEcho.Correlation;

/// <summary>
/// The <see cref="IUdpEchoClient.SendAndReceiveAsync(ReadOnlyMemory{byte}, CancellationToken)"/> calls of one
/// connection, in flight or waiting for a place, and everything that can end one: its echo, a truncated echo, its
/// timeout (after the last retry), its cancellation, an unreachable destination, the client's disposal. How attempts
/// are sent and timed is in <c>EchoCalls.Attempts.cs</c>, how echoes end them in <c>EchoCalls.Echoes.cs</c>.
/// </summary>
/// <remarks>
/// <para>
/// One lock guards the table, the queue and every call's state, and every timer change is made under it, so the order
/// of events is the order of lock acquisitions. A call's outcome is decided once (<see cref="PendingEcho.Phase.Decided"/>);
/// the caller is told only when no send of the call is still reading its payload, so the caller may reuse the memory
/// as soon as its await returns.
/// </para>
/// <para>
/// At most <see cref="UdpEchoClientOptions.MaxCallsInFlight"/> calls are in flight; later ones wait in a queue, unsent
/// and untimed, and leave as places free up, from whichever thread freed one (often the receive thread, right after
/// the echo that ended a call). A burst of calls then never has more echoes on their way back than the socket's
/// receive buffer can hold.
/// </para>
/// </remarks>
internal sealed partial class EchoCalls
{
    private static readonly Action<object?, CancellationToken> OnCanceledCallback = static (state, token) => ((PendingEcho)state!).Owner.OnCanceled((PendingEcho)state!, token);

    private readonly object _gate = new();
    private readonly PendingEchoTable _table = new();
    private readonly PendingEchoQueue _queue = new();
    private readonly PendingEchoPool _pool;
    private readonly RecentCalls? _recent;
    private readonly IEchoConnection _connection;
    private readonly TimeProvider _time;
    private readonly int _maxInFlight;
    private long _nextCallNumber;
    private Exception? _closedBy;

    public EchoCalls(IEchoConnection connection, UdpEchoClientOptions options)
    {
        _connection = connection;
        _time = options.TimeProvider;
        _maxInFlight = options.MaxCallsInFlight;
        Tagged = options.Matching == UdpEchoMatching.Tagged;
        _recent = Tagged ? new RecentCalls() : null;
        _timeout = options.Timeout;
        _attempts = 1 + options.Retries;
        _backoff = options.RetryBackoff;
        _jitter = options.RetryJitter;
        _pool = new PendingEchoPool(this, _time, timed: options.Timeout != Timeout.InfiniteTimeSpan);
    }

    public bool Tagged { get; }

    /// <summary>Gets the number of calls in flight (sent, not yet decided).</summary>
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

    /// <summary>Gets the number of calls waiting for a place among those in flight.</summary>
    public int Queued => _queue.Count;

    public static long ToTimestampTicks(TimeSpan span, TimeProvider time) =>
        (long)Math.Ceiling(span.Ticks * (double)time.TimestampFrequency / TimeSpan.TicksPerSecond);

    public ValueTask<UdpEchoReply> Start(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) => Start(payload, cancellationToken, warmUp: false);

    /// <summary>
    /// Runs one call through every step a real one takes (table, timer, stamp, send, outcome, signal, pool), with a
    /// datagram one byte longer than UDP carries, which every stack refuses before anything leaves; so that the first
    /// real call's round trip does not include compiling those steps. Nothing is sent, and nothing is counted.
    /// </summary>
    public void WarmUp(ReadOnlyMemory<byte> tooLong)
    {
        try
        {
            // Over at once (the send failed): nothing waits, and no thread-pool worker is woken.
            Start(tooLong, CancellationToken.None, warmUp: true).AsTask().GetAwaiter().GetResult();
        }
        catch (UdpEchoException)
        {
            // EMSGSIZE, as intended.
        }

        // What a caller's await of an unfinished call runs, right after the send: compiled, not run (running it on a
        // finished call would wake a thread-pool worker).
        PendingEcho.PrepareAwait();

        Interlocked.Decrement(ref _connection.Counters.DatagramsSent);
    }

    private ValueTask<UdpEchoReply> Start(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken, bool warmUp)
    {
        var pending = _pool.Rent();
        pending.Discard = warmUp;
        pending.Payload = payload;
        pending.CancellationToken = cancellationToken;
        if (Tagged)
        {
            // The warm-up takes no number of its own: the first real call is call 0.
            pending.CallNumber = warmUp ? 0 : Interlocked.Increment(ref _nextCallNumber) - 1;
            pending.Hash = PendingEchoTable.HashOf(pending.CallNumber);
            pending.PrepareTagged(payload.Span);
        }
        else
        {
            pending.Hash = PendingEchoTable.HashOf(payload.Span);
        }

        var version = pending.Version;
        bool admitted;
        lock (_gate)
        {
            if (_closedBy is { } closed)
            {
                _pool.Return(pending);
                return ValueTask.FromException<UdpEchoReply>(closed);
            }

            pending.Attempt = 1;

            // First come, first served: a call that finds others waiting waits behind them.
            admitted = _queue.Count == 0 && _table.Count < _maxInFlight;
            if (admitted)
            {
                pending.State = PendingEcho.Phase.Pending;
                _table.Add(pending);
            }
            else
            {
                pending.State = PendingEcho.Phase.Queued;
                _queue.Enqueue(pending);
            }
        }

        // Registered once the call is in the table or the queue (a token cancelled meanwhile cancels it right here),
        // and before the send is stamped, so that registering is not timed as part of the round trip.
        var registration = cancellationToken.CanBeCanceled ? cancellationToken.UnsafeRegister(OnCanceledCallback, pending) : default;
        bool send;
        bool alreadyTold;
        lock (_gate)
        {
            // A queued call may have been sent, answered and told by other threads meanwhile; then the registration is
            // ours to release. Otherwise Finish releases it.
            alreadyTold = pending.State == PendingEcho.Phase.Signalled;
            if (!alreadyTold)
            {
                pending.Registration = registration;
            }

            // Cancelled at once, or failed by Dispose meanwhile: nothing to send, and the caller is told already.
            send = admitted && pending.State == PendingEcho.Phase.Pending;
            if (send)
            {
                pending.Sending = true;
                Stamp(pending);
            }
        }

        if (alreadyTold)
        {
            registration.Dispose();
        }

        if (send)
        {
            Transmit(pending);
        }

        // A queued call may find a place freed between the two locks; a failed send frees one.
        Pump();

        // Until this returns the caller cannot read the result, so the call cannot have gone back to the pool.
        return new ValueTask<UdpEchoReply>(pending, version);
    }

    /// <summary>Fails every call in flight or waiting; when <paramref name="closing"/>, every later call too.</summary>
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

            foreach (var pending in _table.ToList().Concat(_queue.ToList()))
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

    /// <summary>Takes back a call whose caller has read the result.</summary>
    public void Return(PendingEcho pending) => _pool.Return(pending);

    private void OnCanceled(PendingEcho pending, CancellationToken token)
    {
        bool signal;
        lock (_gate)
        {
            if (pending.State is not (PendingEcho.Phase.Pending or PendingEcho.Phase.Queued) || pending.CancellationToken != token)
            {
                return;
            }

            Decide(pending, default, new OperationCanceledException(token));
            signal = TryMarkSignalled(pending);
        }

        Ended(pending, signal);
    }

    /// <summary>Records the outcome, once, and takes the call out of the table or the queue. Under the lock.</summary>
    private void Decide(PendingEcho pending, UdpEchoReply reply, Exception? error, int answeredAttempt = 0)
    {
        if (pending.State == PendingEcho.Phase.Queued)
        {
            _queue.Remove(pending);
        }
        else if (pending.State == PendingEcho.Phase.Pending)
        {
            _table.Remove(pending);
        }
        else
        {
            return;
        }

        pending.State = PendingEcho.Phase.Decided;
        pending.Reply = reply;
        pending.Error = error;
        if (pending.CallNumber >= 0 && !pending.Discard)
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

    /// <summary>After a call was decided: tells its caller if it may be told now, and gives its place to the next call waiting.</summary>
    private void Ended(PendingEcho pending, bool signal)
    {
        if (signal)
        {
            Finish(pending);
        }

        Pump();
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

    /// <summary>Sends waiting calls while there are places for them. Outside the lock.</summary>
    private void Pump()
    {
        while (_queue.Count > 0)
        {
            PendingEcho? next;
            lock (_gate)
            {
                if (_table.Count >= _maxInFlight || _closedBy is not null || (next = _queue.Dequeue()) is null)
                {
                    return;
                }

                next.State = PendingEcho.Phase.Pending;
                _table.Add(next);
                next.Sending = true;
                Stamp(next);
            }

            Transmit(next);
        }
    }
}
