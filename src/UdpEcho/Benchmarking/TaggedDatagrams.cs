using System.Buffers.Binary;

namespace UdpEcho.Benchmarking;

/// <summary>
/// Datagrams of 16 bytes or more, each numbered by its place in the window and that place's use count, so that every
/// echo finds its own datagram whatever the order of arrival.
/// </summary>
/// <remarks>
/// Header, big-endian as the client's tag: <c>place (4) | use (4) | send timestamp (8)</c>. A place is reused as soon as
/// its datagram is answered or times out, so the header's number stays within the window however long the run; the
/// use count tells a late echo of an earlier datagram from the current one.
/// </remarks>
internal sealed class TaggedDatagrams : InFlightDatagrams
{
    private readonly long[] _sentAt;
    private readonly uint[] _uses;
    private readonly bool[] _inFlight;
    private readonly bool[] _measured;
    private readonly int[] _free;
    private int _freeCount;
    private long _nextExpiry = long.MaxValue;

    public TaggedDatagrams(int size, int window, long timeoutTicks)
        : base(size, window, timeoutTicks)
    {
        _sentAt = new long[window];
        _uses = new uint[window];
        _inFlight = new bool[window];
        _measured = new bool[window];
        _free = new int[window];
        for (var place = 0; place < window; place++)
        {
            _free[place] = window - 1 - place;
        }

        _freeCount = window;
    }

    public override long NextExpiry => _nextExpiry;

    public override int Add(Span<byte> datagram, long sentAt, bool measured)
    {
        var place = _free[--_freeCount];
        var use = ++_uses[place];
        _sentAt[place] = sentAt;
        _inFlight[place] = true;
        _measured[place] = measured;
        InFlight++;
        if (_nextExpiry == long.MaxValue)
        {
            _nextExpiry = sentAt + TimeoutTicks;
        }

        BinaryPrimitives.WriteUInt32BigEndian(datagram, (uint)place);
        BinaryPrimitives.WriteUInt32BigEndian(datagram[4..], use);
        BinaryPrimitives.WriteInt64BigEndian(datagram[8..], sentAt);
        return place;
    }

    public override void Unsend(int place)
    {
        // Never sent, so no echo can name this use. The number is skipped, not taken back: a late echo of the use
        // before it must still be recognised as an earlier use (Unmatched), and Add has already moved this place's
        // send time on, past that echo's stamp.
        Free(place);
    }

    public override EchoMatch Match(ReadOnlySpan<byte> echo, long receivedAt, out long sentAt, out bool measured)
    {
        sentAt = 0;
        measured = false;
        if (echo.Length > Size)
        {
            return EchoMatch.Corrupt;
        }

        if (echo.Length < UdpEchoBenchmarkOptions.HeaderSize)
        {
            // Cut short within the header: whose it was cannot be told (nor checked); its datagram times out.
            return echo.IsEmpty ? EchoMatch.Corrupt : EchoMatch.Truncated;
        }

        var place = BinaryPrimitives.ReadUInt32BigEndian(echo);
        var use = BinaryPrimitives.ReadUInt32BigEndian(echo[4..]);
        var stamp = BinaryPrimitives.ReadInt64BigEndian(echo[8..]);
        var truncated = echo.Length < Size;
        if (place >= (uint)Window || !Expected.AsSpan(UdpEchoBenchmarkOptions.HeaderSize).StartsWith(echo[UdpEchoBenchmarkOptions.HeaderSize..]))
        {
            return EchoMatch.Corrupt;
        }

        var current = _uses[place];
        if (use != current)
        {
            // An earlier use left before the current one; a later use has not been made, nor a use 0.
            return use != 0 && use < current && stamp <= _sentAt[place] ? (truncated ? EchoMatch.Truncated : EchoMatch.Unmatched) : EchoMatch.Corrupt;
        }

        if (stamp != _sentAt[place])
        {
            return EchoMatch.Corrupt;
        }

        if (!_inFlight[(int)place])
        {
            return truncated ? EchoMatch.Truncated : EchoMatch.Unmatched;
        }

        sentAt = stamp;
        measured = _measured[place];
        Free((int)place);
        if (truncated)
        {
            return EchoMatch.Truncated;
        }

        // Answered means within the timeout by the two timestamps, however late the loop got round to looking.
        return receivedAt - stamp < TimeoutTicks ? EchoMatch.Answered : EchoMatch.TimedOut;
    }

    public override int Expire(long now)
    {
        if (now < _nextExpiry)
        {
            return 0;
        }

        // A scan of the window, at most once per timeout while nothing is lost: a flood answers its oldest datagram
        // within a round trip, so the next expiry found is nearly a whole timeout away.
        var lost = 0;
        var oldest = long.MaxValue;
        for (var place = 0; place < Window; place++)
        {
            if (!_inFlight[place])
            {
                continue;
            }

            if (now - _sentAt[place] >= TimeoutTicks)
            {
                lost += _measured[place] ? 1 : 0;
                Free(place);
            }
            else
            {
                oldest = Math.Min(oldest, _sentAt[place]);
            }
        }

        _nextExpiry = oldest == long.MaxValue ? long.MaxValue : oldest + TimeoutTicks;
        return lost;
    }

    public override int CountMeasuredInFlight()
    {
        var count = 0;
        for (var place = 0; place < Window; place++)
        {
            count += _inFlight[place] && _measured[place] ? 1 : 0;
        }

        return count;
    }

    private void Free(int place)
    {
        _inFlight[place] = false;
        _free[_freeCount++] = place;
        InFlight--;
    }
}
