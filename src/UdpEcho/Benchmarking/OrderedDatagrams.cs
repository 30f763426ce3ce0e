namespace UdpEcho.Benchmarking;

/// <summary>
/// Datagrams under 16 bytes, too small for a header: all carry the same bytes, and each echo answers the oldest
/// datagram in flight, as the echo of a path that neither loses nor reorders would.
/// </summary>
/// <remarks>
/// Byte-for-byte checking is whole; matching is not: after a loss, an echo is credited to the datagram sent before its
/// own, whose round trip then reads a little long, and its own datagram times out instead. The counts of sent, received
/// and lost stay right. A duplicate is taken for the next datagram's echo.
/// </remarks>
internal sealed class OrderedDatagrams : InFlightDatagrams
{
    private readonly long[] _sentAt;
    private readonly bool[] _measured;
    private int _head;

    public OrderedDatagrams(int size, int window, long timeoutTicks)
        : base(size, window, timeoutTicks)
    {
        _sentAt = new long[window];
        _measured = new bool[window];
    }

    public override long NextExpiry => InFlight == 0 ? long.MaxValue : _sentAt[_head] + TimeoutTicks;

    public override int Add(Span<byte> datagram, long sentAt, bool measured)
    {
        var place = (_head + InFlight) % Window;
        _sentAt[place] = sentAt;
        _measured[place] = measured;
        InFlight++;
        return place;
    }

    public override void Unsend(int place) => InFlight--;

    public override EchoMatch Match(ReadOnlySpan<byte> echo, long receivedAt, out long sentAt, out bool measured)
    {
        sentAt = 0;
        measured = false;
        var truncated = echo.Length < Expected.Length && !echo.IsEmpty;
        if (!Expected.AsSpan().StartsWith(echo) || (echo.Length < Expected.Length && !truncated))
        {
            return EchoMatch.Corrupt;
        }

        if (InFlight == 0)
        {
            return truncated ? EchoMatch.Truncated : EchoMatch.Unmatched;
        }

        sentAt = _sentAt[_head];
        measured = _measured[_head];
        RemoveOldest();
        return truncated ? EchoMatch.Truncated : receivedAt - sentAt < TimeoutTicks ? EchoMatch.Answered : EchoMatch.TimedOut;
    }

    public override int Expire(long now)
    {
        var lost = 0;
        while (InFlight > 0 && now - _sentAt[_head] >= TimeoutTicks)
        {
            lost += _measured[_head] ? 1 : 0;
            RemoveOldest();
        }

        return lost;
    }

    public override int CountMeasuredInFlight()
    {
        var count = 0;
        for (var i = 0; i < InFlight; i++)
        {
            count += _measured[(_head + i) % Window] ? 1 : 0;
        }

        return count;
    }

    private void RemoveOldest()
    {
        _head = (_head + 1) % Window;
        InFlight--;
    }
}
