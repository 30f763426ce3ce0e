using System.Net.Sockets;
using UdpEcho.Correlation;
using UdpEcho.Timing;
using UdpEcho.Transport;

namespace UdpEcho.Probing;

/// <summary>
/// One running probe: its own loop sends tagged datagrams on schedule and times them out (<c>ProbeRun.Loop.cs</c>); the
/// client's receive thread hands it every echo that carries its stream number. Every statistic is kept here, under one
/// lock.
/// </summary>
/// <remarks>Probe <c>k</c> is sequence <c>k</c> of the probe's stream; <see cref="ProbeLedger"/> keeps track of them.</remarks>
internal sealed partial class ProbeRun : IDisposable
{
    /// <summary>How late a paced probe may leave and keep the schedule, unless a tenth of the interval is more.</summary>
    private static readonly TimeSpan RescheduleAfter = TimeSpan.FromMicroseconds(50);

    private readonly object _gate = new();
    private readonly IEchoConnection _connection;
    private readonly TimeProvider _time;
    private readonly IProgress<UdpEchoProbeProgress>? _progress;
    private readonly byte[] _datagram;
    private readonly int _size;
    private readonly long _warmUp;
    private readonly long _total;
    private readonly long _durationTicks;
    private readonly long _timeoutTicks;
    private readonly double _intervalTicks;
    private readonly long _lateTicks;
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
        _lateTicks = (long)Math.Max(_intervalTicks / 10, RescheduleAfter.TotalSeconds * time.TimestampFrequency);
        _window = options.EffectiveWindow;
        _roundTrips = new RoundTripAccumulator(options.Timeout, time.TimestampFrequency);
        _datagram = new byte[_size];
        EchoTag.WriteStream(_datagram, stream);
        PayloadPattern.Fill(_datagram, EchoTag.Length, options.Pattern, options.Seed);

        // The system clock gets a thread of its own with a precise wait; any other clock (a test's) its own timers.
        if (ReferenceEquals(time, TimeProvider.System))
        {
            _preciseWake = new PreciseWait();
        }
        else
        {
            _timerWake = new AsyncSignal(time);
        }
    }

    public uint Stream { get; }

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
                ResolvedLocked();
                return UdpEchoMessageKind.Echo;
            }

            if (unresolved)
            {
                // Later than the timeout, before the loop noticed: it is lost, as it would have been a moment later.
                TimeOut(sequence);
                ResolvedLocked();
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
            FailLocked(exception);
        }
    }

    private void FailLocked(Exception exception)
    {
        _fault ??= exception;
        Wake();
    }

    public void Dispose()
    {
        _preciseWake?.Dispose();
        _timerWake?.Dispose();
    }

    /// <summary>
    /// Sends the next probe: takes its send time, writes it into the tag and sends it at once, all under the lock, so
    /// that the loop and the receive thread may both send (the datagram buffer is shared).
    /// </summary>
    private void SendNextLocked()
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
        var error = _connection.Send(_datagram);
        if (error == SocketError.Success)
        {
            Interlocked.Increment(ref _connection.Counters.DatagramsSent);
        }
        else if (_connection.Closing || error == SocketError.OperationAborted)
        {
            FailLocked(ClientErrors.Disposed("probing", new SocketException((int)error)));
        }
        else if (UdpSockets.IsUnreachable(error))
        {
            FailLocked(_connection.Unreachable(new SocketException((int)error)));
        }

        // Anything passing (no room in the send buffer, say): the probe stays in flight, times out and counts as lost.
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
