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
    private long _truncated;
    private long _unreachable;
    private long _firstSend;

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

    /// <summary>Takes an echo that carries this probe's stream; says what it was. Called on the receive thread.</summary>
    public UdpEchoMessageKind OnEcho(EchoTag tag, ReadOnlySpan<byte> datagram, long receivedAt)
    {
        lock (_gate)
        {
            var sequence = (long)tag.Sequence;

            // A sequence never sent (a garbled tag) is past the warm-up as far as anyone can tell: it counts.
            var measured = tag.Sequence >= (ulong)_warmUp;
            var sent = _datagram.AsSpan(EchoTag.Length);
            var payload = datagram[EchoTag.Length..];
            var unresolved = tag.Sequence < (ulong)_ledger.Next && _ledger.IsUnresolved(sequence);
            if (tag.Sequence >= (ulong)_ledger.Next
                || !sent.StartsWith(payload)
                || (unresolved && tag.Timestamp != _ledger.SentAt(sequence)))
            {
                _corrupt += measured ? 1 : 0;
                Report(sequence, UdpEchoProbeOutcome.Corrupt, 0, datagram.Length, reordered: false, sentAt: -1);
                return UdpEchoMessageKind.Corrupt;
            }

            if (payload.Length < sent.Length)
            {
                // The start of what was sent, and no more: cut short by the server or the path. Not silence: the
                // probe is lost now, not at its timeout.
                _truncated += measured ? 1 : 0;
                if (unresolved)
                {
                    LoseLocked(sequence, UdpEchoProbeOutcome.Truncated, datagram.Length);
                    ResolvedLocked();
                }
                else
                {
                    Report(sequence, UdpEchoProbeOutcome.Truncated, 0, datagram.Length, reordered: false, tag.Timestamp);
                }

                return UdpEchoMessageKind.Truncated;
            }

            var roundTrip = Math.Max(0, receivedAt - tag.Timestamp);
            if (_ledger.HasArrived(sequence))
            {
                _duplicates += measured ? 1 : 0;
                Report(sequence, UdpEchoProbeOutcome.Duplicate, roundTrip, datagram.Length, reordered: false, tag.Timestamp);
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
                    _reordered += reordered ? 1 : 0;
                }

                Interlocked.Increment(ref _connection.Counters.Echoes);
                _connection.RecordRoundTrip(_time.GetElapsedTime(0, roundTrip));
                Report(sequence, UdpEchoProbeOutcome.Answered, roundTrip, datagram.Length, reordered, tag.Timestamp);
                ResolvedLocked();
                return UdpEchoMessageKind.Echo;
            }

            if (unresolved)
            {
                // Later than the timeout, before the loop noticed: it is lost, as it would have been a moment later.
                TimeOutLocked(sequence);
                ResolvedLocked();
            }

            _late += measured ? 1 : 0;
            Report(sequence, UdpEchoProbeOutcome.Late, roundTrip, datagram.Length, reordered: false, tag.Timestamp);
            return UdpEchoMessageKind.Late;
        }
    }

    /// <summary>
    /// The destination reported that nothing listens there (an ICMP error, on the receive thread): the oldest probe in
    /// flight, which the report most likely answers (they come back in the order of the sends), is lost now, and the
    /// probe goes on, as <c>ping</c> does.
    /// </summary>
    public void OnUnreachable()
    {
        lock (_gate)
        {
            if (UnreachableLocked())
            {
                ResolvedLocked();
            }
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
        // Only the tag and the system call come between the timestamp and the send; the ledger records the probe just
        // after it, still under the lock, which the receive thread must take before it can hand over the echo.
        var sequence = _ledger.Next;
        var now = _time.GetTimestamp();
        EchoTag.WriteSequence(_datagram, (ulong)sequence, now);
        var error = _connection.Send(_datagram);
        _ledger.Send(now);
        if (sequence == 0)
        {
            _scheduleStart = now;
            _firstSend = now;
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

        if (error == SocketError.Success)
        {
            Interlocked.Increment(ref _connection.Counters.DatagramsSent);
        }
        else if (_connection.Closing || error == SocketError.OperationAborted)
        {
            FailLocked(ClientErrors.Disposed("probing", new SocketException((int)error)));
        }
        else if (UdpSockets.IsUnreachable(error) && UnreachableLocked())
        {
            // The report of an earlier probe, handed to this send: the kernel dropped this datagram for it. The loop,
            // not this send, decides what comes next, so that failing sends never recurse.
            Wake();
        }

        // Anything passing (no room in the send buffer, say): the probe stays in flight, times out and counts as lost.
    }

    private void ExpireLocked(long now)
    {
        while (_ledger.TryFindExpired(now, _timeoutTicks, out var sequence))
        {
            TimeOutLocked(sequence);
        }
    }

    private void TimeOutLocked(long sequence)
    {
        Interlocked.Increment(ref _connection.Counters.Timeouts);
        _connection.RecordTimeout();
        LoseLocked(sequence, UdpEchoProbeOutcome.TimedOut, 0);
    }

    /// <summary>Takes the oldest probe in flight to be the one an ICMP error answers, and loses it; false when none is in flight.</summary>
    private bool UnreachableLocked()
    {
        if (!_ledger.TryFindOldestUnresolved(out var sequence))
        {
            return false;
        }

        _unreachable += sequence >= _warmUp ? 1 : 0;
        LoseLocked(sequence, UdpEchoProbeOutcome.Unreachable, 0);
        return true;
    }

    /// <summary>Resolves a probe in flight as lost: timed out, truncated or unreachable.</summary>
    private void LoseLocked(long sequence, UdpEchoProbeOutcome outcome, int length)
    {
        var sentAt = _ledger.SentAt(sequence);
        _ledger.Resolve(sequence);
        _lost += sequence >= _warmUp ? 1 : 0;
        Report(sequence, outcome, 0, length, reordered: false, sentAt);
    }
}
