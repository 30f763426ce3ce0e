using System.Buffers.Binary;
using Microsoft.Extensions.Time.Testing;
using UdpEcho.Probing;
using UdpEcho.Stamp;
using UdpEcho.Tests.Stamp;

namespace UdpEcho.Tests.Probing;

/// <summary>
/// The Session-Sender's packets and its reading of replies, against the hand-written RFC 8762 layouts of
/// <see cref="StampVectors"/>, on a fake clock set to the vectors' T1: 1,700,000,000.5 s after the Unix epoch.
/// </summary>
public sealed class StampSenderTests
{
    private const uint Sequence = 0x01020304;
    private const ushort Ssid = 0xBEEF;

    /// <summary>The reply's T3, 125 ms after its T2: 1,700,000,000.875 s.</summary>
    private const ulong T3 = 0xE8FE6F80_E0000000;

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task WritePacket_AtTheVectorsT1_WritesTheSenderLayoutPaddedWithZeros()
    {
        var (sender, time) = Sender(UdpEchoStampMode.Stateful);
        var datagram = new byte[64];

        var t1 = sender.WritePacket(datagram, Sequence, time.GetTimestamp());

        // RFC 8762 §4.2.1: sequence, T1, the sender's error estimate (this host's clock), SSID, 28 octets of MBZ; then padding.
        var expected = StampVectors.SenderPacket().Concat(new byte[20]).ToArray();
        ClockSync.ReadErrorEstimate().Write(expected.AsSpan(12));
        Assert.Equal(expected, datagram);
        Assert.Equal(0xE8FE6F80_80000000, t1);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Measure_ReplyHalfASecondLater_GivesEachDelayFromTheFourTimestamps()
    {
        var (sender, time) = Sender(UdpEchoStampMode.Stateless);
        sender.WritePacket(new byte[44], Sequence, time.GetTimestamp());

        Assert.Equal(StampMatch.Reply, sender.Inspect(Reply(), Sequence + 1, out var reply, out var sequence));
        var figures = sender.Measure(sequence, reply, roundTripTicks: time.TimestampFrequency / 2, first: true, answered: true);

        // T1 .5, T2 .75, T3 .875, T4 = T1 + the round trip = 1.0 (seconds past 1,700,000,000).
        Assert.Equal(Sequence, sequence);
        Assert.NotNull(figures);
        Assert.Equal(TimeSpan.FromMilliseconds(250), figures.Value.ForwardDelay);
        Assert.Equal(TimeSpan.FromMilliseconds(125), figures.Value.ReflectorProcessing);
        Assert.Equal(TimeSpan.FromMilliseconds(125), figures.Value.BackwardDelay);
        Assert.Equal(TimeSpan.FromMilliseconds(375), figures.Value.RoundTripWithoutProcessing);
        Assert.Equal(Sequence, figures.Value.ReflectorSequence);
        Assert.Equal(64, figures.Value.ReflectorTtl);
        Assert.True(figures.Value.ClocksSynchronized); // S = 1 in both the reflector's 0x8123 and the sender's 0x8A0B

        var result = sender.Result(sent: 1, inFlight: 0);
        Assert.Equal(TimeSpan.FromMilliseconds(250), result.ForwardDelay.P50);
        Assert.Equal(TimeSpan.FromMilliseconds(125), result.BackwardDelay.Max);
        Assert.Equal(1, result.ReflectorProcessing.Count);
        Assert.Equal((64, 64, 64), (result.ReflectorTtl, result.MinReflectorTtl, result.MaxReflectorTtl));
        Assert.True(result.ClocksSynchronized);
        Assert.Equal(Ssid, result.SessionId);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Measure_UnsynchronizedReflector_ClocksNotSynchronized()
    {
        var (sender, time) = Sender(UdpEchoStampMode.Stateless);
        sender.WritePacket(new byte[44], Sequence, time.GetTimestamp());
        var bytes = Reply();
        bytes[12] = 0x00; // S = 0
        bytes[13] = 0x01;

        sender.Inspect(bytes, Sequence + 1, out var reply, out var sequence);
        var figures = sender.Measure(sequence, reply, time.TimestampFrequency / 2, first: true, answered: true);

        Assert.False(figures!.Value.ClocksSynchronized);
        Assert.False(sender.Result(1, 0).ClocksSynchronized);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Inspect_RepliesOfOtherSessionsOrTimes_AreNotThisProbes()
    {
        var (sender, time) = Sender(UdpEchoStampMode.Stateful);
        var sent = new byte[44];
        sender.WritePacket(sent, Sequence, time.GetTimestamp());

        var otherSsid = Reply();
        BinaryPrimitives.WriteUInt16BigEndian(otherSsid.AsSpan(14), 0x1234);
        var noSsid = Reply();
        BinaryPrimitives.WriteUInt16BigEndian(noSsid.AsSpan(14), 0);
        var laterT1 = Reply();
        BinaryPrimitives.WriteUInt64BigEndian(laterT1.AsSpan(28), 0xE8FE6F80_80000001);

        Assert.Equal(StampMatch.None, sender.Inspect(otherSsid, Sequence + 1, out _, out _));
        Assert.Equal(StampMatch.Reply, sender.Inspect(noSsid, Sequence + 1, out _, out _)); // a reflector that predates RFC 8972 zeroes it
        Assert.Equal(StampMatch.None, sender.Inspect(laterT1, Sequence + 1, out _, out _));
        Assert.Equal(StampMatch.None, sender.Inspect(Reply()[..43], Sequence + 1, out _, out _));
        Assert.Equal(StampMatch.None, sender.Inspect(Reply(), next: 0, out _, out _));
        Assert.Equal(StampMatch.EchoedTestPacket, sender.Inspect(sent, Sequence + 1, out _, out _));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Inspect_MoreThan2To32Sent_FindsTheLatestProbeOfThatNumber()
    {
        var (sender, time) = Sender(UdpEchoStampMode.Stateful);
        sender.WritePacket(new byte[44], Sequence, time.GetTimestamp());

        sender.Inspect(Reply(), next: (1L << 32) + Sequence + 10, out _, out var sequence);

        Assert.Equal((1L << 32) + Sequence, sequence);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task RoundTripOfResolved_ReplyToAProbeNoLongerInFlight_ComesFromItsT1()
    {
        var (sender, time) = Sender(UdpEchoStampMode.Stateful);
        sender.WritePacket(new byte[44], Sequence, time.GetTimestamp());
        time.Advance(TimeSpan.FromMilliseconds(300));
        sender.Inspect(Reply(), Sequence + 1, out var reply, out _);

        var ticks = sender.RoundTripOfResolved(reply, time.GetTimestamp());

        Assert.Equal(TimeSpan.FromMilliseconds(300), time.GetElapsedTime(0, ticks));
        await Task.CompletedTask;
    }

    private static (StampSender Sender, FakeTimeProvider Time) Sender(UdpEchoStampMode mode)
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(StampVectors.SenderUnixNanoseconds / 1_000_000));
        return (new StampSender(mode, Ssid, warmUp: 0, TimeSpan.FromSeconds(1), time), time);
    }

    /// <summary><see cref="StampVectors.StatelessReply"/> with its T3 written: the reply to packet <see cref="Sequence"/>.</summary>
    private static byte[] Reply()
    {
        var reply = StampVectors.StatelessReply();
        BinaryPrimitives.WriteUInt64BigEndian(reply.AsSpan(4), T3);
        return reply;
    }
}
