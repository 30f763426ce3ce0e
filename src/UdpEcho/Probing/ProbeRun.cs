using System.Net.Sockets;
using UdpEcho.Correlation;
using UdpEcho.Transport;

namespace UdpEcho.Probing;

/// <summary>
/// One running probe: its own loop sends tagged datagrams on schedule and times them out; the client's receive loop
/// hands it every echo that carries its stream number. Every statistic is kept here, under one lock.
/// </summary>
/// <remarks>Probe <c>k</c> is sequence <c>k</c> of the probe's stream; <see cref="ProbeLedger"/> keeps track of them.</remarks>
internal sealed class ProbeRun : IDisposable
{
    private readonly object _gate = new();
    private readonly IEchoConnection _connection;
    private readonly TimeProvider _time;
    private readonly IProgress<UdpEchoProbeProgress>? _progress;
    private readonly AsyncSignal _wake;
    private readonly byte[] _datagram;
    private readonly int _size;
    private readonly long _warmUp;
    private readonly long _total;
    private readonly long _durationTicks;
    private readonly long _timeoutTicks;
    private readonly double _intervalTicks;
    private readonly int _window;
    private readonly RoundTripAccumulator _roundTrips;
    private readonly ProbeLedger _ledger = new();

    private long _scheduleStart;
    private long _measureStart = -1;
    private long _lastMeasuredSend;
    private long _highestArrived = -1;
    private bool _sendingDone;
    private Exception? _fault;

    private long _sent;
    private long _received;
    private long _lost;
    private long _duplicates;
    private long _reordered;
    private long _late;
    private long _corrupt;

    public ProbeRun(IEchoConnection connection, uint stream, UdpEchoProbeOptions options, TimeProvider time, IProgress<UdpEchoProbeProgress>? progress)
    {
        _connection = connection;
        Stream = stream;
        _time = time;
        _progress = progress;
        _size = options.Size;
        _warmUp = options.WarmUp;
        _total = options.TotalProbes;
        _durationTicks = options.Duration is { } duration && duration != Timeout.InfiniteTimeSpan ? EchoCalls.ToTimestampTicks(duration, time) : long.MaxValue;
        _timeoutTicks = EchoCalls.ToTimestampTicks(options.Timeout, time);
        _intervalTicks = options.IntervalSeconds * time.TimestampFrequency;
        _window = options.EffectiveWindow;
        _roundTrips = new RoundTripAccumulator(options.Timeout, time.TimestampFrequency);
        _datagram = new byte[_size];
        EchoTag.WriteStream(_datagram, stream);
        PayloadPattern.Fill(_datagram, EchoTag.Length, options.Pattern, options.Seed);
        _wake = new AsyncSignal(time);
    }

    public uint Stream { get; }

    public async Task<UdpEchoProbeResult> RunAsync(CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.UnsafeRegister(static state => ((AsyncSignal)state!).Set(), _wake);
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                TimeSpan? wait;
                lock (_gate)
                {
                    if (_fault is { } fault)
                    {
                        throw fault;
                    }

                    var now = _time.GetTimestamp();
                    ExpireLocked(now);
                    if (!_sendingDone && (_ledger.Next >= _total || (_measureStart >= 0 && now - _measureStart >= _durationTicks)))
                    {
                        _sendingDone = true;
                    }

                    if (_sendingDone && _ledger.InFlight == 0)
                    {
                        break;
                    }

                    wait = NextWaitLocked(now, out var sendNow);
                    if (sendNow)
                    {
                        StampLocked();
                    }
                }

                if (wait is null)
                {
                    // Sent right after the timestamp was written into it: as close to the send call as we get.
                    await SendAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await _wake.WaitAsync(wait == Timeout.InfiniteTimeSpan ? null : wait).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            lock (_gate)
            {
                throw new UdpEchoProbeCanceledException("The probe was cancelled; Result holds what it measured until then.", BuildResultLocked(), cancellationToken);
            }
        }

        lock (_gate)
        {
            return BuildResultLocked();
        }
    }

    /// <summary>Takes an echo that carries this probe's stream; says what it was. Called on the receive loop.</summary>
    public UdpEchoMessageKind OnEcho(EchoTag tag, ReadOnlySpan<byte> datagram, long receivedAt)
    {
        lock (_gate)
        {
            var sequence = (long)tag.Sequence;

            // A sequence never sent (a garbled tag) is past the warm-up as far as anyone can tell: it counts.
            var measured = tag.Sequence >= (ulong)_warmUp;
            if (tag.Sequence >= (ulong)_ledger.Next
                || datagram.Length != _size
                || !datagram[EchoTag.Length..].SequenceEqual(_datagram.AsSpan(EchoTag.Length)))
            {
                if (measured)
                {
                    _corrupt++;
                }

                Report(sequence, UdpEchoProbeOutcome.Corrupt, 0, datagram.Length, reordered: false);
                return UdpEchoMessageKind.Corrupt;
            }

            var unresolved = _ledger.IsUnresolved(sequence);
            if (unresolved && tag.Timestamp != _ledger.SentAt(sequence))
            {
                if (measured)
                {
                    _corrupt++;
                }

                Report(sequence, UdpEchoProbeOutcome.Corrupt, 0, datagram.Length, reordered: false);
                return UdpEchoMessageKind.Corrupt;
            }

            var roundTrip = Math.Max(0, receivedAt - tag.Timestamp);
            if (_ledger.HasArrived(sequence))
            {
                if (measured)
                {
                    _duplicates++;
                }

                Report(sequence, UdpEchoProbeOutcome.Duplicate, roundTrip, datagram.Length, reordered: false);
                return UdpEchoMessageKind.Duplicate;
            }

            _ledger.MarkArrived(sequence);
            var reordered = measured && sequence < _highestArrived;
            if (measured)
            {
                _highestArrived = Math.Max(_highestArrived, sequence);
            }

            // Answered means: arrived within the timeout by the clocks (strictly, as the loop times probes out at the
            // deadline itself), whether or not the loop got round to timing it out. Scheduling decides nothing.
            if (unresolved && roundTrip < _timeoutTicks)
            {
                _ledger.Resolve(sequence);
                if (measured)
                {
                    _received++;
                    _roundTrips.Add(roundTrip);
                    if (reordered)
                    {
                        _reordered++;
                    }
                }

                Interlocked.Increment(ref _connection.Counters.Echoes);
                _connection.RecordRoundTrip(_time.GetElapsedTime(0, roundTrip));
                Report(sequence, UdpEchoProbeOutcome.Answered, roundTrip, datagram.Length, reordered);
                _wake.Set();
                return UdpEchoMessageKind.Echo;
            }

            if (unresolved)
            {
                // Later than the timeout, before the loop noticed: it is lost, as it would have been a moment later.
                TimeOut(sequence);
                _wake.Set();
            }

            if (measured)
            {
                _late++;
            }

            Report(sequence, UdpEchoProbeOutcome.Late, roundTrip, datagram.Length, reordered: false);
            return UdpEchoMessageKind.Late;
        }
    }

    /// <summary>Ends the probe with <paramref name="exception"/>: the destination is unreachable, or the client was disposed.</summary>
    public void Fail(Exception exception)
    {
        lock (_gate)
        {
            _fault ??= exception;
        }

        _wake.Set();
    }

    public void Dispose() => _wake.Dispose();

    /// <summary>Decides what the loop does next: send now (returns null), or wait that long (infinite: until signalled).</summary>
    private TimeSpan? NextWaitLocked(long now, out bool sendNow)
    {
        var wakeAt = long.MaxValue;
        if (!_sendingDone && _ledger.InFlight < _window)
        {
            var due = _ledger.Next == 0 || _intervalTicks <= 0 ? now : _scheduleStart + (long)(_ledger.Next * _intervalTicks);
            if (due <= now)
            {
                sendNow = true;
                return null;
            }

            wakeAt = due;
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

        sendNow = false;
        if (wakeAt == long.MaxValue)
        {
            return Timeout.InfiniteTimeSpan;
        }

        // Timers tick in milliseconds; waking early would only spin, so round up.
        var remaining = _time.GetElapsedTime(now, Math.Max(now, wakeAt));
        return TimeSpan.FromMilliseconds(Math.Max(1, Math.Ceiling(remaining.TotalMilliseconds)));
    }

    /// <summary>Takes the next probe's send time and writes its tag. Under the lock, just before the send.</summary>
    private void StampLocked()
    {
        var now = _time.GetTimestamp();
        var sequence = _ledger.Send(now);
        if (sequence == 0)
        {
            _scheduleStart = now;
        }

        if (sequence >= _warmUp)
        {
            if (_measureStart < 0)
            {
                _measureStart = now;
            }

            _lastMeasuredSend = now;
            _sent++;
        }

        EchoTag.WriteSequence(_datagram, (ulong)sequence, now);
    }

    private async ValueTask SendAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _connection.Socket.SendAsync(_datagram, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _connection.Counters.DatagramsSent);
        }
        catch (SocketException e) when (_connection.Closing)
        {
            throw ClientErrors.Disposed("probing", e);
        }
        catch (ObjectDisposedException e)
        {
            throw ClientErrors.Disposed("probing", e);
        }
        catch (SocketException e) when (UdpSockets.IsUnreachable(e.SocketErrorCode))
        {
            throw _connection.Unreachable(e);
        }
        catch (SocketException e) when (UdpSockets.IsTransient(e.SocketErrorCode))
        {
            // No room in the send buffer, for example: the probe stays in flight, times out and counts as lost.
        }
    }

    private void ExpireLocked(long now)
    {
        while (_ledger.TryFindExpired(now, _timeoutTicks, out var sequence))
        {
            TimeOut(sequence);
        }
    }

    private void TimeOut(long sequence)
    {
        _ledger.Resolve(sequence);
        if (sequence >= _warmUp)
        {
            _lost++;
        }

        Interlocked.Increment(ref _connection.Counters.Timeouts);
        _connection.RecordTimeout();
        Report(sequence, UdpEchoProbeOutcome.TimedOut, 0, 0, reordered: false);
    }

    private void Report(long sequence, UdpEchoProbeOutcome outcome, long roundTripTicks, int length, bool reordered)
    {
        _progress?.Report(new UdpEchoProbeProgress
        {
            Sequence = sequence,
            Outcome = outcome,
            RoundTripTime = roundTripTicks == 0 ? TimeSpan.Zero : _time.GetElapsedTime(0, roundTripTicks),
            Length = length,
            Reordered = reordered,
            IsWarmUp = sequence < _warmUp,
            Sent = _sent,
            Received = _received,
            Lost = _lost,
        });
    }

    private UdpEchoProbeResult BuildResultLocked()
    {
        // Probes still in flight (only when cancelled) have no outcome yet: they are neither received nor lost.
        var sent = _sent - _ledger.CountUnresolvedFrom(_warmUp);
        var duration = _measureStart < 0 ? TimeSpan.Zero : _time.GetElapsedTime(_measureStart, _lastMeasuredSend);
        return new UdpEchoProbeResult
        {
            RemoteEndPoint = _connection.Remote,
            Sent = sent,
            Received = _received,
            Duplicates = _duplicates,
            Reordered = _reordered,
            Late = _late,
            Corrupt = _corrupt,
            RoundTrip = _roundTrips.Statistics(),
            Jitter = _roundTrips.Jitter,
            Duration = duration,
            AchievedRate = _sent >= 2 && duration > TimeSpan.Zero ? (_sent - 1) / duration.TotalSeconds : 0,
        };
    }
}
