using System.Net.Sockets;
using UdpEcho.Correlation;
using UdpEcho.Stamp;
using UdpEcho.Timing;
using UdpEcho.Transport;

namespace UdpEcho.Probing;

/// <summary>
/// One running probe: its own loop sends tagged datagrams on schedule and times them out (<c>ProbeRun.Loop.cs</c>); the
/// client's receive thread hands it every echo that carries its stream number. Every statistic is kept here, under one
/// lock. A STAMP probe sends STAMP test packets instead, and takes the replies its <see cref="StampSender"/> recognizes
/// (<c>ProbeRun.Stamp.cs</c>).
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
    private readonly StampSender? _stamp;

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

    /// <param name="connection">The socket the probe sends on.</param>
    /// <param name="stream">The number of its stream, which its tag carries.</param>
    /// <param name="options">The probe's options, validated.</param>
    /// <param name="time">Its clock.</param>
    /// <param name="progress">Told of every event, or null.</param>
    /// <param name="stampSessionId">The SSID of a STAMP probe's test packets; unused by a plain probe.</param>
    public ProbeRun(IEchoConnection connection, uint stream, UdpEchoProbeOptions options, TimeProvider time, IProgress<UdpEchoProbeProgress>? progress, ushort stampSessionId = 0)
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
        if (options.StampMode == UdpEchoStampMode.None)
        {
            EchoTag.WriteStream(_datagram, stream);
            PayloadPattern.Fill(_datagram, EchoTag.Length, options.Pattern, options.Seed);
        }
        else
        {
            // A test packet's padding stays zero.
            _stamp = new StampSender(options.StampMode, stampSessionId, _warmUp, options.Timeout, time);
        }

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

    /// <summary>Gets a value indicating whether this is a STAMP probe, whose replies carry no stream.</summary>
    public bool IsStamp => _stamp is not null;

    /// <summary>Gets the SSID of a STAMP probe's test packets.</summary>
    public ushort StampSessionId => _stamp?.SessionId ?? 0;

    /// <summary>Takes an echo that carries this probe's stream; says what it was. Called on the receive thread.</summary>
    public UdpEchoMessageKind OnEcho(EchoTag tag, ReadOnlySpan<byte> datagram, long receivedAt)
    {
        lock (_gate)
        {
            var sequence = (long)tag.Sequence;
            var sent = _datagram.AsSpan(EchoTag.Length);
            var payload = datagram[EchoTag.Length..];
            var unresolved = tag.Sequence < (ulong)_ledger.Next && _ledger.IsUnresolved(sequence);
            if (tag.Sequence >= (ulong)_ledger.Next
                || !sent.StartsWith(payload)
                || (unresolved && tag.Timestamp != _ledger.SentAt(sequence)))
            {
                // A sequence never sent (a garbled tag) is past the warm-up as far as anyone can tell: it counts.
                return CorruptLocked(sequence, measured: tag.Sequence >= (ulong)_warmUp, datagram.Length);
            }

            return ClassifyLocked(sequence, unresolved, datagram.Length, tag.Timestamp, receivedAt, stampReply: null);
        }
    }

    private UdpEchoMessageKind CorruptLocked(long sequence, bool measured, int length)
    {
        _corrupt += measured ? 1 : 0;
        Report(sequence, UdpEchoProbeOutcome.Corrupt, 0, length, reordered: false, sentAt: -1);
        return UdpEchoMessageKind.Corrupt;
    }

    /// <summary>
    /// Decides what an intact echo or reply of probe <paramref name="sequence"/> is (truncated, duplicate, answered or
    /// late) and counts it; <paramref name="sentAt"/> is when the probe left, <paramref name="stampReply"/> what a STAMP
    /// reply carries. Under the lock.
    /// </summary>
    private UdpEchoMessageKind ClassifyLocked(long sequence, bool unresolved, int length, long sentAt, long receivedAt, StampReflectedPacket? stampReply)
    {
        var measured = sequence >= _warmUp;
        if (length < _size)
        {
            // The start of what was sent, and no more: cut short by the server or the path. Not silence: the
            // probe is lost now, not at its timeout.
            _truncated += measured ? 1 : 0;
            if (unresolved)
            {
                LoseLocked(sequence, UdpEchoProbeOutcome.Truncated, length);
                ResolvedLocked();
            }
            else
            {
                Report(sequence, UdpEchoProbeOutcome.Truncated, 0, length, reordered: false, sentAt);
            }

            return UdpEchoMessageKind.Truncated;
        }

        var roundTrip = Math.Max(0, receivedAt - sentAt);
        var first = !_ledger.HasArrived(sequence);

        // Answered means: arrived within the timeout by the clocks (strictly, as the loop times probes out at the
        // deadline itself), whether or not the loop got round to timing it out. Scheduling decides nothing.
        var answered = first && unresolved && roundTrip < _timeoutTicks;
        var stamp = stampReply is { } reply ? _stamp!.Measure(sequence, reply, roundTrip, first, answered && measured) : null;
        if (!first)
        {
            _duplicates += measured ? 1 : 0;
            Report(sequence, UdpEchoProbeOutcome.Duplicate, roundTrip, length, reordered: false, sentAt, stamp);
            return UdpEchoMessageKind.Duplicate;
        }

        _ledger.MarkArrived(sequence);
        var reordered = measured && sequence < _highestArrived;
        if (measured)
        {
            _highestArrived = Math.Max(_highestArrived, sequence);
        }

        if (answered)
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
            Report(sequence, UdpEchoProbeOutcome.Answered, roundTrip, length, reordered, sentAt, stamp);
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
        Report(sequence, UdpEchoProbeOutcome.Late, roundTrip, length, reordered: false, sentAt, stamp);
        return UdpEchoMessageKind.Late;
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
        ulong mark = 0;
        if (_stamp is null)
        {
            EchoTag.WriteSequence(_datagram, (ulong)sequence, now);
        }
        else
        {
            mark = _stamp.WritePacket(_datagram, sequence, now);
        }

        var error = _connection.Send(_datagram);
        _ledger.Send(now, mark);
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
