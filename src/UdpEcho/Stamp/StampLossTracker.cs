namespace UdpEcho.Stamp;

/// <summary>A run's lost test packets by direction (see <see cref="StampLossTracker"/>).</summary>
/// <param name="Forward">Lost on the way to the reflector: it never counted them.</param>
/// <param name="Backward">Lost on the way back: the reflector counted and sent them, the sender never got them.</param>
/// <param name="Unattributed">Lost where the replies cannot tell: after the last reply, or all of them when the
/// reflector's count cannot be trusted (see <see cref="StampLossTracker.Split(long, bool, long, long?)"/>).</param>
internal readonly record struct StampLossSplit(long Forward, long Backward, long Unattributed)
{
    public long Total => Forward + Backward + Unattributed;
}

/// <summary>
/// Splits a run's losses by direction from the replies of a stateful reflector (RFC 8762 §4.3: the sender tells the
/// directions apart from the gaps in the Session-Sender Sequence Number and the reflector's Sequence Number).
/// Allocation-free, constant memory, independent of the order replies arrive in. Not thread-safe.
/// </summary>
/// <remarks>
/// <para>
/// The sender numbers its test packets 0, 1, 2...; a stateful reflector numbers the replies of the session 0, 1, 2...
/// in the order it sends them. Take the highest sender sequence answered, <c>S</c>, the highest reflector sequence
/// seen, <c>R</c>, and the number of test packets answered, <c>n</c>. The reflector sent <c>R + 1</c> replies up to
/// reply <c>R</c>, of which <c>n</c> arrived: <c>R + 1 − n</c> were lost on the way back. The sender sent <c>S + 1</c>
/// packets up to packet <c>S</c>, of which the reflector counted <c>R + 1</c>: <c>S − R</c> were lost on the way out.
/// The packets after <c>S</c> that were never answered could have been lost either way: no later reply says whether
/// the reflector counted them. (A sender that wants them attributed sends a few more packets and leaves them out of
/// the run; the first that is answered settles the rest.) The three add up to the run's losses.
/// </para>
/// <para>
/// This relies on the reflector's count of the session starting at 0 with the run (a fresh source port or SSID gives
/// a fresh session) and counting only this run's packets. When it is seen not to (more replies counted than packets
/// sent, or fewer than arrived), every loss is unattributed. It cannot see a count that restarted mid-run (a reflector
/// that forgot the session), which moves losses from backward to forward; nor a test packet duplicated on the way out
/// (counted twice), which moves one loss from forward to backward; and reordering on the way out can hide forward
/// losses in the unattributed ones. A stateless reflector echoes the sender's sequence: its replies look exactly like
/// those of a stateful reflector that lost nothing on the way out, which is why <see cref="Split(long, bool)"/> asks.
/// </para>
/// </remarks>
internal sealed class StampLossTracker
{
    private long _answered;
    private long _highestSender = -1;
    private long _highestReflector = -1;

    /// <summary>Gets the number of test packets answered.</summary>
    public long Answered => _answered;

    /// <summary>
    /// Gets a value indicating whether some reply carried a reflector sequence other than the sender's: proof that the
    /// reflector keeps its own count (stateful) and that something was lost on the way out.
    /// </summary>
    public bool SawReflectorCount { get; private set; }

    /// <summary>Records the first reply to a test packet (not a duplicate: the caller tells those apart by sender sequence).</summary>
    /// <remarks>
    /// The sequences are the wire's 32-bit numbers unwrapped by the caller, so that a run may send more than 2^32 test
    /// packets: the sender's from its own count, the reflector's as the sender's minus <c>(uint)(sender − reflector)</c>
    /// (a stateful reflector's count never runs ahead of the sender's).
    /// </remarks>
    public void Record(long senderSequence, long reflectorSequence)
    {
        _answered++;
        _highestSender = Math.Max(_highestSender, senderSequence);
        _highestReflector = Math.Max(_highestReflector, reflectorSequence);
        SawReflectorCount |= senderSequence != reflectorSequence;
    }

    /// <summary>Splits the losses of a run of <paramref name="sent"/> test packets, numbered from 0.</summary>
    /// <param name="sent">How many test packets the run sent.</param>
    /// <param name="reflectorIsStateful">The reflector is known to be stateful. Without it, and without
    /// <see cref="SawReflectorCount"/>, the replies cannot tell a stateless reflector apart, and every loss is unattributed.</param>
    public StampLossSplit Split(long sent, bool reflectorIsStateful) => Split(sent, reflectorIsStateful, firstSequence: 0, reflectorBase: 0);

    /// <summary>
    /// Splits the losses of a run of <paramref name="sent"/> test packets numbered from <paramref name="firstSequence"/>
    /// on, whose replies alone were recorded: the measured packets after a warm-up, which the reflector counted on from
    /// where the warm-up left its count.
    /// </summary>
    /// <param name="sent">How many test packets the run sent.</param>
    /// <param name="reflectorIsStateful">See <see cref="Split(long, bool)"/>.</param>
    /// <param name="firstSequence">The sender sequence of the run's first packet.</param>
    /// <param name="reflectorBase">The reflector's count of the session before packet <paramref name="firstSequence"/>:
    /// one more than the reflector sequence of the reply to packet <paramref name="firstSequence"/> − 1 (0 for a run
    /// from packet 0). <see langword="null"/> when that reply never came: nothing then tells how many of the warm-up's
    /// packets the reflector counted, and every loss is unattributed.</param>
    public StampLossSplit Split(long sent, bool reflectorIsStateful, long firstSequence, long? reflectorBase)
    {
        var lost = sent - _answered;
        var counted = _highestReflector + 1 - (reflectorBase ?? 0);
        if (_answered == 0 || reflectorBase is null || !(reflectorIsStateful || SawReflectorCount) || counted > sent || counted < _answered)
        {
            return new StampLossSplit(0, 0, lost);
        }

        var backward = counted - _answered;

        // Negative when the reflector counted packets sent after the highest one answered (reordered on the way out,
        // their replies lost): those losses stay unattributed rather than cancel forward ones.
        var forward = Math.Max(0, _highestSender - firstSequence + 1 - counted);
        return new StampLossSplit(forward, backward, lost - backward - forward);
    }
}
