using UdpEcho.Probing;

namespace UdpEcho.Benchmarking;

/// <summary>What an echo turned out to be, in <see cref="InFlightDatagrams.Match"/>.</summary>
internal enum EchoMatch
{
    /// <summary>The intact echo of a datagram in flight, within the timeout.</summary>
    Answered,

    /// <summary>The intact echo of a datagram in flight, but later than the timeout: the datagram is lost, as it would have been a moment earlier.</summary>
    TimedOut,

    /// <summary>Not what any datagram was: a changed byte, a different length, a number never sent.</summary>
    Corrupt,

    /// <summary>Intact, but its datagram is no longer in flight: a duplicate, or an echo after its datagram was counted lost.</summary>
    Unmatched,

    /// <summary>The start of a datagram and no more: cut short by the server or the path. Its datagram, when known and in flight, is lost at once.</summary>
    Truncated,
}

/// <summary>
/// The datagrams of a benchmark that are in flight: what each carries, when it left, whether it counts, and which echo
/// answers it. Allocated once for the window; nothing per datagram.
/// </summary>
internal abstract class InFlightDatagrams
{
    protected InFlightDatagrams(int size, int window, long timeoutTicks)
    {
        Size = size;
        Window = window;
        TimeoutTicks = timeoutTicks;
        Expected = new byte[size];
        PayloadPattern.Fill(Expected, 0, UdpEchoPayloadPattern.Incrementing, 0);
    }

    /// <summary>Gets the number of datagrams in flight: sent, neither answered nor timed out.</summary>
    public int InFlight { get; protected set; }

    /// <summary>Gets the timestamp at which a datagram in flight may time out, <see cref="long.MaxValue"/> when none is in flight; never later than the real one.</summary>
    public abstract long NextExpiry { get; }

    protected int Size { get; }

    protected int Window { get; }

    protected long TimeoutTicks { get; }

    /// <summary>Gets what every datagram carries where it has no header: byte <c>i</c> is <c>i mod 256</c>.</summary>
    protected byte[] Expected { get; }

    /// <summary>Creates the table for datagrams of <paramref name="size"/> bytes: numbered when they have room for a header, in order otherwise.</summary>
    public static InFlightDatagrams Create(int size, int window, long timeoutTicks) => size >= UdpEchoBenchmarkOptions.HeaderSize
        ? new TaggedDatagrams(size, window, timeoutTicks)
        : new OrderedDatagrams(size, window, timeoutTicks);

    /// <summary>Fills a send buffer with what never changes from one datagram to the next.</summary>
    public void Prepare(Span<byte> datagram) => Expected.CopyTo(datagram);

    /// <summary>Takes a place in the window for a datagram about to leave at <paramref name="sentAt"/> and writes its header into <paramref name="datagram"/>.</summary>
    /// <returns>The place, for <see cref="Unsend"/>.</returns>
    public abstract int Add(Span<byte> datagram, long sentAt, bool measured);

    /// <summary>Gives back the place of a datagram the socket did not take; the last one added first.</summary>
    public abstract void Unsend(int place);

    /// <summary>Says what <paramref name="echo"/> is; frees its datagram's place when it answers one in flight.</summary>
    /// <param name="echo">The echo, as received.</param>
    /// <param name="receivedAt">When it arrived.</param>
    /// <param name="sentAt">The send time of the datagram it answers, for <see cref="EchoMatch.Answered"/> and <see cref="EchoMatch.TimedOut"/>; for <see cref="EchoMatch.Truncated"/>, 0 unless the echo freed its datagram's place.</param>
    /// <param name="measured">Whether that datagram counts (it was not sent during the warm-up).</param>
    public abstract EchoMatch Match(ReadOnlySpan<byte> echo, long receivedAt, out long sentAt, out bool measured);

    /// <summary>Frees every datagram whose timeout has passed at <paramref name="now"/>.</summary>
    /// <returns>How many of them counted.</returns>
    public abstract int Expire(long now);

    /// <summary>Counts the datagrams in flight that count: left out of a cancelled run's figures.</summary>
    public abstract int CountMeasuredInFlight();
}
