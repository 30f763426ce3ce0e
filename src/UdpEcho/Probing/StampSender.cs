using System.Buffers.Binary;
using UdpEcho.Stamp;

namespace UdpEcho.Probing;

/// <summary>What a reply-shaped datagram is to a STAMP probe (see <see cref="StampSender.Inspect"/>).</summary>
internal enum StampMatch
{
    /// <summary>Not this probe's: some other datagram.</summary>
    None,

    /// <summary>A Session-Reflector's reply to one of this probe's test packets.</summary>
    Reply,

    /// <summary>One of this probe's test packets, sent back unchanged: the peer echoes, it does not reflect.</summary>
    EchoedTestPacket,
}

/// <summary>
/// What makes a probe a STAMP Session-Sender (RFC 8762 §4.2, unauthenticated, with RFC 8972's SSID): it writes the test
/// packets, tells the replies to them from any other datagram, turns each reply's four timestamps into delays, and
/// keeps the figures a plain probe has no use for. <see cref="ProbeRun"/> calls it under its lock. Not thread-safe.
/// </summary>
/// <remarks>
/// <para>
/// Test packet <c>k</c> of the run (warm-up included) carries Sequence Number <c>k</c> (modulo 2^32), so that the
/// sequence numbers start at 0 as RFC 8762 §4.2.1 has them. A reply is this probe's when its Session-Sender Timestamp
/// (T1, copied from the test packet) lies within the run's sends and its SSID is the probe's, or 0 (what a reflector
/// that predates RFC 8972 returns); the probe then checks the T1 against the one it sent.
/// </para>
/// <para>
/// T1 is the realtime clock in nanoseconds, read right before the send. T4 is the instant the reply arrived on the
/// probe's own clock: T1 plus the round trip of the <see cref="TimeProvider"/> timestamps taken at the send and at the
/// arrival, the same round trip <see cref="UdpEchoProbeResult.RoundTrip"/> holds. So T4 − T1 is exactly that round trip,
/// and a step of the realtime clock while a packet is in flight (an NTP correction) cannot turn into a delay. With any
/// other <see cref="TimeProvider"/> than the system's (a test's), T1 is that provider's wall clock.
/// </para>
/// </remarks>
internal sealed class StampSender
{
    private readonly TimeProvider _time;
    private readonly bool _realtimeClock;
    private readonly long _warmUp;
    private readonly DelayAccumulator _forward;
    private readonly DelayAccumulator _backward;
    private readonly DelayAccumulator _processing;
    private readonly DelayAccumulator _network;
    private readonly StampLossTracker _losses = new();

    private ErrorEstimate _errorEstimate;
    private long _errorEstimateDue = long.MinValue;
    private long _realtimeOffsetNanoseconds;
    private bool _sentAny;
    private NtpTimestamp _earliestT1;
    private NtpTimestamp _latestT1;
    private long? _reflectorBase;
    private long _answered;
    private long _synchronized;
    private int _ttl = -1;
    private int _minTtl = int.MaxValue;
    private int _maxTtl = int.MinValue;

    public StampSender(UdpEchoStampMode mode, ushort sessionId, long warmUp, TimeSpan timeout, TimeProvider time)
    {
        Mode = mode;
        SessionId = sessionId;
        _warmUp = warmUp;
        _time = time;
        _realtimeClock = ReferenceEquals(time, TimeProvider.System);

        // Processing and the network's round trip fit in a round trip; one-way delays carry the clocks' offset, which
        // may be far larger (unsynchronized clocks): their percentiles reach an hour, the longest timeout.
        _forward = new DelayAccumulator(TimeSpan.FromHours(1));
        _backward = new DelayAccumulator(TimeSpan.FromHours(1));
        _processing = new DelayAccumulator(timeout);
        _network = new DelayAccumulator(timeout);

        // Without a warm-up the run starts the reflector's count; after one, the reply to its last packet says where.
        _reflectorBase = warmUp == 0 ? 0 : null;
    }

    public UdpEchoStampMode Mode { get; }

    public ushort SessionId { get; }

    /// <summary>
    /// Writes test packet <paramref name="sequence"/> into the first 44 octets of <paramref name="datagram"/> (the rest
    /// stays zero: padding), with T1 read now; <paramref name="now"/> is the probe's send timestamp. Returns T1, which
    /// the reply must carry back.
    /// </summary>
    public ulong WritePacket(Span<byte> datagram, long sequence, long now)
    {
        if (now >= _errorEstimateDue)
        {
            // A system call, before T1 is read: once a second is enough to follow a clock that gains or loses its sync.
            _errorEstimate = ClockSync.ReadErrorEstimate();
            _errorEstimateDue = now + _time.TimestampFrequency;
        }

        var realtime = RealtimeNanoseconds();
        var t1 = NtpTimestamp.FromUnixNanoseconds(realtime);
        StampPacket.WriteSenderPacket(datagram[..StampPacket.BaseLength], (uint)sequence, t1, _errorEstimate, SessionId);

        _realtimeOffsetNanoseconds = realtime - Nanoseconds(now);
        if (!_sentAny || Compare(t1, _earliestT1) < 0)
        {
            _earliestT1 = t1;
        }

        if (!_sentAny || Compare(t1, _latestT1) > 0)
        {
            _latestT1 = t1;
        }

        _sentAny = true;
        return t1.Value;
    }

    /// <summary>
    /// Says whether <paramref name="datagram"/> is a reply to one of this run's test packets, of the
    /// <paramref name="next"/> sent so far, and which (<paramref name="sequence"/>); or one of them sent back unchanged.
    /// </summary>
    public StampMatch Inspect(ReadOnlySpan<byte> datagram, long next, out StampReflectedPacket reply, out long sequence)
    {
        reply = default;
        sequence = -1;
        if (!_sentAny || datagram.Length < StampPacket.BaseLength)
        {
            return StampMatch.None;
        }

        if (!StampPacket.IsReflected(datagram))
        {
            // No receive timestamp: a test packet, not a reply. Ours, if it carries this run's SSID and one of its T1s.
            return BinaryPrimitives.ReadUInt16BigEndian(datagram[StampPacket.SsidOffset..]) == SessionId
                && WithinRun(NtpTimestamp.Read(datagram[StampPacket.TimestampOffset..]))
                && TryFindSequence(BinaryPrimitives.ReadUInt32BigEndian(datagram), next, out sequence)
                ? StampMatch.EchoedTestPacket
                : StampMatch.None;
        }

        StampPacket.TryReadReflectedPacket(datagram, out reply);
        return (reply.Ssid == SessionId || reply.Ssid == 0) && WithinRun(reply.SenderTimestamp) && TryFindSequence(reply.SenderSequence, next, out sequence)
            ? StampMatch.Reply
            : StampMatch.None;
    }

    /// <summary>
    /// The round trip, in timestamp ticks, of a reply to a probe no longer in flight (a duplicate or late reply), whose
    /// send timestamp is gone: its T1 against the realtime clock at <paramref name="receivedAt"/>.
    /// </summary>
    public long RoundTripOfResolved(in StampReflectedPacket reply, long receivedAt)
    {
        var nanoseconds = Nanoseconds(receivedAt) + _realtimeOffsetNanoseconds - reply.SenderTimestamp.ToUnixNanoseconds();
        return (long)((Int128)Math.Max(0, nanoseconds) * _time.TimestampFrequency / 1_000_000_000);
    }

    /// <summary>
    /// Computes what a reply tells, <paramref name="roundTripTicks"/> after its test packet left, and keeps it: the first
    /// reply to the warm-up's last packet anchors the loss split, and an <paramref name="answered"/> one (the first, in
    /// time, of a measured probe) goes into every statistic. Returns the figures for the probe's progress report.
    /// </summary>
    public UdpEchoStampReply? Measure(long sequence, in StampReflectedPacket reply, long roundTripTicks, bool first, bool answered)
    {
        var reflectorSequence = sequence - (uint)((uint)sequence - reply.Sequence);
        if (first && sequence == _warmUp - 1)
        {
            _reflectorBase = reflectorSequence + 1;
        }

        var t4 = NtpTimestamp.FromUnixNanoseconds(reply.SenderTimestamp.ToUnixNanoseconds() + Nanoseconds(roundTripTicks));
        var computed = StampDelays.TryCompute(reply, t4, out var delays);
        if (answered)
        {
            _answered++;
            _losses.Record(sequence, reflectorSequence);
            _synchronized += reply.ErrorEstimate.IsSynchronized && reply.SenderErrorEstimate.IsSynchronized ? 1 : 0;
            _ttl = reply.SenderTtl;
            _minTtl = Math.Min(_minTtl, _ttl);
            _maxTtl = Math.Max(_maxTtl, _ttl);
            if (computed)
            {
                _forward.Add(delays.ForwardNanoseconds);
                _backward.Add(delays.BackwardNanoseconds);
                _processing.Add(delays.ReflectorProcessingNanoseconds);
                _network.Add(delays.RoundTripWithoutProcessingNanoseconds);
            }
        }

        // PTPv2 timestamps (Z = 1) cannot be lined up with NTP's here: such a reply counts for the round trip and loss only.
        return computed
            ? new UdpEchoStampReply
            {
                ForwardDelay = FromNanoseconds(delays.ForwardNanoseconds),
                BackwardDelay = FromNanoseconds(delays.BackwardNanoseconds),
                ReflectorProcessing = FromNanoseconds(delays.ReflectorProcessingNanoseconds),
                RoundTripWithoutProcessing = FromNanoseconds(delays.RoundTripWithoutProcessingNanoseconds),
                ReflectorSequence = reply.Sequence,
                ReflectorTtl = reply.SenderTtl,
                ClocksSynchronized = delays.ClocksSynchronized,
            }
            : null;
    }

    /// <summary>The run's STAMP figures: <paramref name="sent"/> measured test packets, <paramref name="inFlight"/> of them never resolved (a cancelled run).</summary>
    public UdpEchoStampResult Result(long sent, long inFlight)
    {
        var split = _losses.Split(sent, Mode == UdpEchoStampMode.Stateful, _warmUp, _reflectorBase);
        if (inFlight > 0)
        {
            // Probes still in flight are neither answered nor lost; the split took them for losses. Those after the
            // last reply are among the unattributed ones; if that does not account for them all, nothing is attributed.
            var lost = split.Total - inFlight;
            split = split.Unattributed >= inFlight ? split with { Unattributed = split.Unattributed - inFlight } : new StampLossSplit(0, 0, lost);
        }

        return new UdpEchoStampResult
        {
            Mode = Mode,
            SessionId = SessionId,
            ForwardDelay = _forward.Statistics(),
            BackwardDelay = _backward.Statistics(),
            ReflectorProcessing = _processing.Statistics(),
            RoundTripWithoutProcessing = _network.Statistics(),
            ForwardLost = split.Forward,
            BackwardLost = split.Backward,
            UnattributedLost = split.Unattributed,
            ReflectorTtl = _ttl < 0 ? null : _ttl,
            MinReflectorTtl = _ttl < 0 ? null : _minTtl,
            MaxReflectorTtl = _ttl < 0 ? null : _maxTtl,
            ClocksSynchronized = _answered > 0 && _synchronized == _answered,
        };
    }

    private static TimeSpan FromNanoseconds(long nanoseconds) => TimeSpan.FromTicks((long)Math.Round(nanoseconds / 100.0));

    /// <summary>The latest probe sent, of <paramref name="next"/>, whose number is <paramref name="wire"/> modulo 2^32.</summary>
    private static bool TryFindSequence(uint wire, long next, out long sequence)
    {
        sequence = next - 1 - (uint)((uint)(next - 1) - wire);
        return next > 0 && sequence >= 0;
    }

    /// <summary>Orders two timestamps less than 68 years apart, to the unit (RFC 5905 §6: the difference modulo 2^64).</summary>
    private static long Compare(NtpTimestamp a, NtpTimestamp b) => (long)(a.Value - b.Value);

    private bool WithinRun(NtpTimestamp t1) => Compare(t1, _earliestT1) >= 0 && Compare(_latestT1, t1) >= 0;

    private long RealtimeNanoseconds() => _realtimeClock
        ? NtpTimestamp.UtcNowUnixNanoseconds()
        : (_time.GetUtcNow().UtcTicks - DateTime.UnixEpoch.Ticks) * 100;

    private long Nanoseconds(long ticks) => (long)((Int128)ticks * 1_000_000_000 / _time.TimestampFrequency);
}
