using UdpEcho.Stamp;

namespace UdpEcho.Tests.Stamp;

/// <summary>
/// The reflector's rewrite against hand-written packets (<see cref="StampVectors"/>), and its counters: RFC 8762 §4.3.1
/// (stateless: the sender's sequence; stateful: a count per session from 0) with RFC 8972 §3's session, the 4-tuple
/// plus the SSID.
/// </summary>
public sealed class StampReflectorTests
{
    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryReflect_Stateless_IsTheHandWrittenReply()
    {
        var reflector = NewReflector(StampReflectorMode.Stateless);
        var packet = StampVectors.SenderPacket();

        Assert.True(reflector.TryReflect(packet, StampVectors.SenderV4(), StampVectors.LocalV4(), StampVectors.ReceiveUnixNanoseconds, ttl: 64));

        Assert.Equal(StampVectors.StatelessReply(), packet);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryReflect_StatefulFirstPacket_IsTheReplyWithSequenceZero()
    {
        var reflector = NewReflector(StampReflectorMode.Stateful);
        var packet = StampVectors.SenderPacket();
        var expected = StampVectors.StatelessReply();
        expected.AsSpan(0, 4).Clear();

        Assert.True(reflector.TryReflect(packet, StampVectors.SenderV4(), StampVectors.LocalV4(), StampVectors.ReceiveUnixNanoseconds, ttl: 64));

        Assert.Equal(expected, packet);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryReflect_Stateless_CopiesEachSenderSequence()
    {
        var reflector = NewReflector(StampReflectorMode.Stateless);

        Assert.Equal((5u, 5u), Reflect(reflector, 5, 1, StampVectors.SenderV4()));
        Assert.Equal((3u, 3u), Reflect(reflector, 3, 1, StampVectors.SenderV4()));
        Assert.Equal((uint.MaxValue, uint.MaxValue), Reflect(reflector, uint.MaxValue, 1, StampVectors.SenderV4()));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryReflect_StatefulTwoSessionsInterleaved_CountEachFromZero()
    {
        var reflector = NewReflector(StampReflectorMode.Stateful);

        // Sender sequences with gaps (forward loss) do not move the reflector's count: it counts what it sends.
        Assert.Equal((0u, 10u), Reflect(reflector, 10, 1, StampVectors.SenderV4()));
        Assert.Equal((0u, 0u), Reflect(reflector, 0, 1, StampVectors.OtherSenderV4()));
        Assert.Equal((1u, 12u), Reflect(reflector, 12, 1, StampVectors.SenderV4()));
        Assert.Equal((0u, 7u), Reflect(reflector, 7, 1, StampVectors.SenderV6()));
        Assert.Equal((1u, 1u), Reflect(reflector, 1, 1, StampVectors.OtherSenderV4()));
        Assert.Equal((2u, 13u), Reflect(reflector, 13, 1, StampVectors.SenderV4()));
        Assert.Equal(3, reflector.SessionCount);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryReflect_StatefulSameFourTupleOtherSsid_IsAnotherSession()
    {
        var reflector = NewReflector(StampReflectorMode.Stateful);

        Assert.Equal((0u, 0u), Reflect(reflector, 0, ssid: 1, StampVectors.SenderV4()));
        Assert.Equal((0u, 0u), Reflect(reflector, 0, ssid: 2, StampVectors.SenderV4()));
        Assert.Equal((1u, 1u), Reflect(reflector, 1, ssid: 1, StampVectors.SenderV4()));
        Assert.Equal((1u, 1u), Reflect(reflector, 1, ssid: 2, StampVectors.SenderV4()));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryReflect_StatefulSameSenderOtherLocalAddress_IsAnotherSession()
    {
        var reflector = NewReflector(StampReflectorMode.Stateful);

        Assert.Equal((0u, 0u), Reflect(reflector, 0, 1, StampVectors.SenderV4(), StampVectors.LocalV4()));
        Assert.Equal((0u, 0u), Reflect(reflector, 0, 1, StampVectors.SenderV4(), StampVectors.OtherLocalV4()));
        Assert.Equal((1u, 1u), Reflect(reflector, 1, 1, StampVectors.SenderV4(), StampVectors.LocalV4()));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryReflect_StatefulIPv4AndItsMappedForm_AreOneSession()
    {
        var reflector = NewReflector(StampReflectorMode.Stateful);

        Assert.Equal((0u, 0u), Reflect(reflector, 0, 1, StampVectors.SenderV4()));
        Assert.Equal((1u, 1u), Reflect(reflector, 1, 1, StampVectors.SenderV4Mapped()));
        Assert.Equal(1, reflector.SessionCount);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryReflect_StatefulTableFull_EvictsTheOldestSession()
    {
        var reflector = NewReflector(StampReflectorMode.Stateful, sessionCapacity: 2);

        Reflect(reflector, 0, 1, StampVectors.SenderV4()); // A
        Reflect(reflector, 0, 1, StampVectors.OtherSenderV4()); // B
        Reflect(reflector, 1, 1, StampVectors.SenderV4()); // A again: still the oldest
        Reflect(reflector, 0, 1, StampVectors.SenderV6()); // C evicts A

        Assert.Equal(2, reflector.SessionCount);
        Assert.Equal((1u, 1u), Reflect(reflector, 1, 1, StampVectors.OtherSenderV4())); // B kept its count
        Assert.Equal((0u, 2u), Reflect(reflector, 2, 1, StampVectors.SenderV4())); // A starts over, evicting B
        Assert.Equal((1u, 1u), Reflect(reflector, 1, 1, StampVectors.SenderV6())); // C kept its count
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryReflect_LongerPacket_ReturnsTheOctetsPast44Unchanged()
    {
        var reflector = NewReflector(StampReflectorMode.Stateless);
        var tail = Enumerable.Range(0, 56).Select(i => (byte)(0xA0 + i)).ToArray();
        var packet = StampVectors.SenderPacket().Concat(tail).ToArray();

        Assert.True(reflector.TryReflect(packet, StampVectors.SenderV4(), StampVectors.LocalV4(), StampVectors.ReceiveUnixNanoseconds, ttl: 64));

        Assert.Equal(100, packet.Length);
        Assert.Equal(StampVectors.StatelessReply(), packet[..44]);
        Assert.Equal(tail, packet[44..]);
        await Task.CompletedTask;
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(43)]
    public async Task TryReflect_ShorterThan44_IsFalseAndTouchesNothing(int length)
    {
        var reflector = NewReflector(StampReflectorMode.Stateful);
        var packet = StampVectors.SenderPacket()[..length];
        var original = packet.ToArray();

        Assert.False(reflector.TryReflect(packet, StampVectors.SenderV4(), StampVectors.LocalV4(), StampVectors.ReceiveUnixNanoseconds, ttl: 64));

        Assert.Equal(original, packet);
        Assert.Equal(0, reflector.SessionCount);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryReflect_SenderMbzNotZero_IsZeroedInTheReply()
    {
        var reflector = NewReflector(StampReflectorMode.Stateless);
        var packet = StampVectors.SenderPacket();
        packet.AsSpan(16).Fill(0xFF);

        reflector.TryReflect(packet, StampVectors.SenderV4(), StampVectors.LocalV4(), StampVectors.ReceiveUnixNanoseconds, ttl: 64);

        Assert.Equal(StampVectors.StatelessReply(), packet);
        await Task.CompletedTask;
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(64, 64)]
    [InlineData(1, 1)]
    [InlineData(255, 255)]
    [InlineData(-1, 255)] // unknown: 255, as OWAMP reports a TTL it could not read
    [InlineData(256, 255)]
    public async Task TryReflect_Ttl_IsTheSesSenderTtlOctet(int ttl, byte expected)
    {
        var reflector = NewReflector(StampReflectorMode.Stateless);
        var packet = StampVectors.SenderPacket();

        reflector.TryReflect(packet, StampVectors.SenderV4(), StampVectors.LocalV4(), StampVectors.ReceiveUnixNanoseconds, ttl);

        Assert.Equal(expected, packet[40]);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryReflect_ReceiveTimesWithinASecond_ReadTheClockStateOnce()
    {
        var reads = 0;
        var reflector = new StampReflector(StampReflectorMode.Stateless, 0, () => new ErrorEstimate((ushort)(0x8000 | ++reads)));
        var start = NtpTimestamp.UtcNowUnixNanoseconds();
        var packet = StampVectors.SenderPacket();

        reflector.TryReflect(packet, default, default, start + 900_000_000, 64);
        Assert.Equal(new byte[] { 0x80, 1 }, packet[12..14]);

        reflector.TryReflect(StampVectors.SenderPacket(), default, default, start + 1_500_000_000, 64);
        packet = StampVectors.SenderPacket();
        reflector.TryReflect(packet, default, default, start + 2_000_000_000, 64);
        Assert.Equal(new byte[] { 0x80, 2 }, packet[12..14]);

        // A clock stepped back by more than a second reads the state again too.
        packet = StampVectors.SenderPacket();
        reflector.TryReflect(packet, default, default, start - 1_000_000_000, 64);
        Assert.Equal(new byte[] { 0x80, 3 }, packet[12..14]);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task WriteTransmitTimestamp_Reply_WritesOctets4To11Only()
    {
        var packet = StampVectors.StatelessReply();

        StampReflector.WriteTransmitTimestamp(packet, StampVectors.ReceiveUnixNanoseconds + 250_000_000);

        var expected = StampVectors.StatelessReply();
        new byte[] { 0xE8, 0xFE, 0x6F, 0x81, 0, 0, 0, 0 }.CopyTo(expected, 4); // 1,700,000,001.0 s
        Assert.Equal(expected, packet);
        await Task.CompletedTask;
    }

    [Theory(Timeout = TestTimeouts.Long)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TryReflect_ManyCalls_AllocateNothing(bool stateful)
    {
        var mode = stateful ? StampReflectorMode.Stateful : StampReflectorMode.Stateless;
        // A table smaller than the senders, so that the calls measured evict and add sessions too.
        var reflector = new StampReflector(mode, sessionCapacity: 64);
        var packet = StampVectors.SenderPacket();
        var senders = Enumerable.Range(0, 100).Select(i => { var s = StampVectors.SenderV4(); s[7] = (byte)i; return s; }).ToArray();
        var local = StampVectors.LocalV4();
        var now = NtpTimestamp.UtcNowUnixNanoseconds();

        void Run(int calls)
        {
            for (var i = 0; i < calls; i++)
            {
                // Receive times a millisecond apart: the clock state is read again every thousand calls.
                reflector.TryReflect(packet, senders[i % senders.Length], local, now + (i * 1_000_000L), ttl: 64);
                StampReflector.WriteTransmitTimestamp(packet);
            }
        }

        Run(10_000);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run(100_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        await Task.CompletedTask;
    }

    private static StampReflector NewReflector(StampReflectorMode mode, int sessionCapacity = 16) =>
        new(mode, sessionCapacity, () => new ErrorEstimate(StampVectors.ReflectorErrorEstimate));

    /// <summary>Reflects a 44-octet test packet; returns the reply's (Sequence Number, Session-Sender Sequence Number).</summary>
    private static (uint Sequence, uint SenderSequence) Reflect(StampReflector reflector, uint sequence, ushort ssid, byte[] sender, byte[]? local = null)
    {
        var packet = StampVectors.SenderPacket(sequence, ssid);
        Assert.True(reflector.TryReflect(packet, sender, local ?? StampVectors.LocalV4(), StampVectors.ReceiveUnixNanoseconds, ttl: 64));
        Assert.Equal(new[] { (byte)(ssid >> 8), (byte)ssid }, packet[14..16]);
        return (ReadUInt32(packet, 0), ReadUInt32(packet, 24));
    }

    private static uint ReadUInt32(byte[] bytes, int offset) =>
        ((uint)bytes[offset] << 24) | ((uint)bytes[offset + 1] << 16) | ((uint)bytes[offset + 2] << 8) | bytes[offset + 3];
}
