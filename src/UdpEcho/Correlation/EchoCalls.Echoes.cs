namespace UdpEcho.Correlation;

/// <summary>The echoes that end calls: an exact one completes its call, a truncated one fails it at once.</summary>
internal sealed partial class EchoCalls
{
    /// <summary>The shortest echo cut inside the tag that is matched to a call: the tag's magic and its stream number.</summary>
    public const int MinimumTagPrefix = 8;

    /// <summary>
    /// Completes the oldest call whose payload equals <paramref name="echo"/>; failing that, fails the oldest call
    /// whose payload <paramref name="echo"/> is a shorter start of: a truncated echo.
    /// </summary>
    /// <returns><see cref="UdpEchoMessageKind.Echo"/>, <see cref="UdpEchoMessageKind.Truncated"/>, or <see cref="UdpEchoMessageKind.Unmatched"/> when it answers no call.</returns>
    public UdpEchoMessageKind CompleteExact(ReadOnlySpan<byte> echo, long receivedAt)
    {
        var hash = PendingEchoTable.HashOf(echo);
        PendingEcho? pending;
        bool signal;
        UdpEchoMessageKind kind;
        lock (_gate)
        {
            pending = _table.FindExact(hash, echo);
            if (pending is not null)
            {
                // Identical bytes cannot say which attempt they echo, so the round trip runs from the latest send.
                var roundTrip = _time.GetElapsedTime(pending.SentAt, Math.Max(receivedAt, pending.SentAt));
                Decide(pending, new UdpEchoReply(pending.Payload, roundTrip, _connection.Remote, pending.Attempt), null);
                kind = UdpEchoMessageKind.Echo;
            }
            else if ((pending = _table.FindTruncated(echo)) is not null)
            {
                Decide(pending, default, Truncated(echo.Length, pending.Payload.Length));
                kind = UdpEchoMessageKind.Truncated;
            }
            else
            {
                return UdpEchoMessageKind.Unmatched;
            }

            signal = TryMarkSignalled(pending);
        }

        Ended(pending, signal);
        return kind;
    }

    /// <summary>Completes the tagged call that <paramref name="tag"/> names (or fails it, when the echo was truncated), or says why it cannot.</summary>
    public UdpEchoMessageKind CompleteTagged(EchoTag tag, ReadOnlySpan<byte> datagram, long receivedAt)
    {
        var callNumber = tag.CallNumber;
        var attempt = tag.Attempt;
        PendingEcho? pending;
        bool signal;
        UdpEchoMessageKind kind;
        lock (_gate)
        {
            if (callNumber >= Volatile.Read(ref _nextCallNumber))
            {
                return UdpEchoMessageKind.Foreign;
            }

            pending = _table.FindCall(callNumber);
            if (pending is null)
            {
                return _recent!.Classify(callNumber, attempt);
            }

            // The header names one of our calls; everything else must be exactly what that call sent, or the start of it.
            var payload = datagram[EchoTag.Length..];
            var sent = pending.TaggedPayload;
            if (attempt > pending.Attempt
                || tag.Timestamp < pending.FirstSentAt
                || tag.Timestamp > receivedAt
                || (attempt == pending.Attempt && tag.Timestamp != pending.SentAt)
                || !sent.StartsWith(payload))
            {
                return UdpEchoMessageKind.Corrupt;
            }

            if (payload.Length < sent.Length)
            {
                Decide(pending, default, Truncated(datagram.Length, EchoTag.Length + sent.Length, tagged: true));
                kind = UdpEchoMessageKind.Truncated;
            }
            else
            {
                // The echo carries its own send time: the round trip of exactly the attempt that came back.
                var roundTrip = _time.GetElapsedTime(tag.Timestamp, receivedAt);
                Decide(pending, new UdpEchoReply(pending.Payload, roundTrip, _connection.Remote, pending.Attempt), null, attempt);
                kind = UdpEchoMessageKind.Echo;
            }

            signal = TryMarkSignalled(pending);
        }

        Ended(pending, signal);
        return kind;
    }

    /// <summary>
    /// Fails, as truncated, the oldest tagged call whose datagram starts with <paramref name="echo"/>: an echo cut inside
    /// the tag, which names no call itself. At least <see cref="MinimumTagPrefix"/> bytes (our tag's magic and stream 0)
    /// are needed, so that a stray datagram of a few bytes is not taken for one of ours.
    /// </summary>
    /// <returns><see cref="UdpEchoMessageKind.Truncated"/>, or <see cref="UdpEchoMessageKind.Foreign"/> when it starts no call's datagram.</returns>
    public UdpEchoMessageKind CompleteCutInsideTag(ReadOnlySpan<byte> echo)
    {
        if (echo.Length < MinimumTagPrefix)
        {
            return UdpEchoMessageKind.Foreign;
        }

        PendingEcho? pending;
        bool signal;
        lock (_gate)
        {
            pending = _table.FindTruncated(echo);
            if (pending is null)
            {
                return UdpEchoMessageKind.Foreign;
            }

            Decide(pending, default, Truncated(echo.Length, pending.DatagramLength, tagged: true));
            signal = TryMarkSignalled(pending);
        }

        Ended(pending, signal);
        return UdpEchoMessageKind.Truncated;
    }

    /// <param name="received">The bytes that came back.</param>
    /// <param name="sent">The bytes sent: with <paramref name="tagged"/>, the tag and the payload.</param>
    /// <param name="tagged">Whether the call was tagged: the message then says how much of the caller's payload came back.</param>
    private UdpEchoException Truncated(int received, int sent, bool tagged = false) => new(
        tagged
            ? $"The echo from {_connection.Remote} was truncated: {received} of the {sent} bytes sent came back ({(received >= EchoTag.Length ? $"the {EchoTag.Length}-byte tag and {received - EchoTag.Length} of the {sent - EchoTag.Length} bytes of payload" : $"cut inside the {EchoTag.Length}-byte tag: none of the {sent - EchoTag.Length} bytes of payload")}); the server, or something on the path, cut it short."
            : $"The echo from {_connection.Remote} was truncated: {received} of the {sent} bytes sent came back; the server, or something on the path, cut it short.",
        System.Net.Sockets.SocketError.MessageSize,
        _connection.Remote,
        null);
}
