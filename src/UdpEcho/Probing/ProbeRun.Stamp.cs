using UdpEcho.Stamp;

namespace UdpEcho.Probing;

/// <summary>A STAMP probe's replies: they carry no tag, so the probe itself says which datagrams are its own.</summary>
internal sealed partial class ProbeRun
{
    /// <summary>
    /// Takes <paramref name="datagram"/> if it is a reply to one of this STAMP probe's test packets, and says what it
    /// was; <see langword="null"/> when it is not this probe's. Called on the receive thread, before any other dispatch.
    /// </summary>
    public UdpEchoMessageKind? OnStampDatagram(ReadOnlySpan<byte> datagram, long receivedAt)
    {
        lock (_gate)
        {
            switch (_stamp!.Inspect(datagram, _ledger.Next, out var reply, out var sequence))
            {
                case StampMatch.Reply:
                    break;
                case StampMatch.EchoedTestPacket:
                    // Nothing this peer sends back can be measured: say so now rather than time out every probe.
                    FailLocked(new UdpEchoException(
                        $"{_connection.Remote} sent STAMP test packet {sequence} back unchanged: it echoes datagrams (RFC 862) instead of reflecting STAMP test packets (RFC 8762). Probe it without StampMode, or probe a STAMP Session-Reflector (udpecho serve --stamp)."));
                    return UdpEchoMessageKind.Corrupt;
                default:
                    return null;
            }

            var unresolved = _ledger.IsUnresolved(sequence);
            if (datagram.Length > _size || (unresolved && _ledger.Mark(sequence) != reply.SenderTimestamp.Value))
            {
                // Longer than the test packet (a reply is as long), or a T1 that is not the one this packet carried.
                return CorruptLocked(sequence, measured: sequence >= _warmUp, datagram.Length);
            }

            var sentAt = unresolved ? _ledger.SentAt(sequence) : receivedAt - _stamp.RoundTripOfResolved(reply, receivedAt);
            return ClassifyLocked(sequence, unresolved, datagram.Length, sentAt, receivedAt, reply);
        }
    }
}
