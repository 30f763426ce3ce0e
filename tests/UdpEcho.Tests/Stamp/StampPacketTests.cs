using UdpEcho.Stamp;

namespace UdpEcho.Tests.Stamp;

public sealed class StampPacketTests
{
    [Fact(Timeout = TestTimeouts.Short)]
    public async Task WriteSenderPacket_KnownFields_IsTheRfcLayout()
    {
        var packet = new byte[44];

        StampPacket.WriteSenderPacket(packet, 0x0102_0304, new NtpTimestamp(0xE8FE6F80, 0x8000_0000), new ErrorEstimate(0x8A0B), 0xBEEF);

        Assert.Equal(StampVectors.SenderPacket(), packet);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task WriteSenderPacket_LongerBufferWithGarbage_ZeroesMbzAndPadding()
    {
        var packet = Enumerable.Repeat((byte)0xAA, 100).ToArray();

        StampPacket.WriteSenderPacket(packet, 0x0102_0304, new NtpTimestamp(0xE8FE6F80, 0x8000_0000), new ErrorEstimate(0x8A0B), 0xBEEF);

        Assert.Equal(StampVectors.SenderPacket(), packet[..44]);
        Assert.All(packet[44..], b => Assert.Equal(0, b));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task WriteSenderPacket_ShorterThan44_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            StampPacket.WriteSenderPacket(new byte[43], 0, default, ErrorEstimate.Unsynchronized, 0));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryReadReflectedPacket_HandWrittenReply_ReadsEveryField()
    {
        var reply = StampVectors.StatelessReply();
        reply.AsSpan(4, 8).Fill(0x11); // a T3 to read
        reply[0] = 0x7F; // a reflector sequence unlike the sender's

        Assert.True(StampPacket.TryReadReflectedPacket(reply, out var read));

        Assert.Equal(0x7F02_0304u, read.Sequence);
        Assert.Equal(0x1111_1111_1111_1111UL, read.TransmitTimestamp.Value);
        Assert.Equal(new ErrorEstimate(0x8123), read.ErrorEstimate);
        Assert.Equal(0xBEEF, read.Ssid);
        Assert.Equal(new NtpTimestamp(0xE8FE6F80, 0xC000_0000), read.ReceiveTimestamp);
        Assert.Equal(0x0102_0304u, read.SenderSequence);
        Assert.Equal(new NtpTimestamp(0xE8FE6F80, 0x8000_0000), read.SenderTimestamp);
        Assert.Equal(new ErrorEstimate(0x8A0B), read.SenderErrorEstimate);
        Assert.Equal(64, read.SenderTtl);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryReadReflectedPacket_NonZeroMbz_IsIgnored()
    {
        // RFC 8762 §4.3.1: MBZ "MUST be ignored on receipt".
        var reply = StampVectors.StatelessReply();
        reply[38] = 0xFF;
        reply[43] = 0xFF;

        Assert.True(StampPacket.TryReadReflectedPacket(reply, out var read));
        Assert.Equal(64, read.SenderTtl);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TryReadReflectedPacket_ShorterThan44_IsFalse()
    {
        Assert.False(StampPacket.TryReadReflectedPacket(StampVectors.StatelessReply()[..43], out _));
        await Task.CompletedTask;
    }
}
