using System.Net;
using System.Net.Sockets;
using UdpEcho.Stamp;
using UdpEcho.Tests.Infrastructure;
using UdpEcho.Tests.Stamp;

namespace UdpEcho.Tests.Server;

/// <summary>
/// The server as a STAMP Session-Reflector (RFC 8762, RFC 8972's SSID), measured by <see cref="MinimalStampSender"/>, a
/// sender written from the RFC's byte layout alone: every byte of the reflected packets, the timestamps' order on the one
/// host clock, the TTL, the counters, and no reply to a datagram shorter than a test packet.
/// </summary>
public abstract class UdpEchoServerStampTests(UdpEchoServerEngine engine)
{
    /// <summary>Timestamps from two readers of one clock: T1 ≤ T2 ≤ T3 ≤ T4 within this many microseconds.</summary>
    private const double SlackMicroseconds = 2;

    [Theory(Timeout = TestTimeouts.Long)]
    [InlineData("127.0.0.1", UdpEchoStampMode.Stateless, 0)]
    [InlineData("127.0.0.1", UdpEchoStampMode.Stateful, 0)]
    [InlineData("127.0.0.1", UdpEchoStampMode.Stateful, 84)]
    [InlineData("::1", UdpEchoStampMode.Stateless, 84)]
    [InlineData("::1", UdpEchoStampMode.Stateful, 0)]
    public async Task Reflector_MinimalSender_GetsEveryByteRight(string address, UdpEchoStampMode mode, int tailLength)
    {
        var loopback = IPAddress.Parse(address);
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, Address = loopback, StampMode = mode });
        using var sender = new MinimalStampSender(server.Target(loopback.AddressFamily));
        var tail = Enumerable.Range(0, tailLength).Select(i => (byte)(i * 7)).ToArray();
        var clock = ClockSync.Read();

        for (var i = 0u; i < 5; i++)
        {
            var sequence = 100 + (i * 3); // gaps, as if test packets were lost on the way out
            var sent = await sender.SendAsync(sequence, ssid: 0x1234, tail);
            var reply = await sender.ReceiveAsync();

            Assert.Equal(sent.Length, reply.Bytes.Length);
            Assert.Equal(mode == UdpEchoStampMode.Stateful ? i : sequence, reply.Sequence);
            Assert.Equal(0x1234, reply.Ssid);
            Assert.Equal(sent[..14], reply.Bytes[24..38]); // the sender's sequence, T1 and error estimate
            Assert.Equal(new byte[5], reply.Mbz);
            Assert.Equal(tail, reply.Bytes[44..]);

            // The batched engine reads the packet's TTL (hop limit) from the kernel: 64 on a Linux loopback. The portable
            // engine cannot, and says so with 255.
            Assert.Equal(engine == UdpEchoServerEngine.Batched ? 64 : 255, reply.SenderTtl);

            Assert.Equal(clock.IsSynchronized, (reply.ErrorEstimate & 0x8000) != 0);
            Assert.Equal(0, reply.ErrorEstimate & 0x4000);
            Assert.NotEqual(0, reply.ErrorEstimate & 0xFF);

            Assert.InRange(MinimalStampReply.Microseconds(reply.T2, reply.T1), -SlackMicroseconds, 1e6);
            Assert.InRange(MinimalStampReply.Microseconds(reply.T3, reply.T2), 0, 1e6);
            Assert.InRange(MinimalStampReply.Microseconds(reply.T4, reply.T3), -SlackMicroseconds, 1e6);
        }
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(0)]
    [InlineData(14)]
    [InlineData(43)]
    public async Task Reflector_DatagramShorterThan44_DroppedAndCountedNeverAnswered(int length)
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, StampMode = UdpEchoStampMode.Stateful });
        using var sender = new MinimalStampSender(server.Target());

        await sender.SendRawAsync(MinimalStampSender.BuildPacket(7, MinimalStampSender.NtpNow(), 1)[..length]);
        await sender.SendAsync(8, ssid: 1);

        // Loopback keeps order: had the short one been answered, its reply would come first.
        var reply = await sender.ReceiveAsync();
        Assert.Equal(8u, reply.SenderSequence);
        Assert.Equal(0u, reply.Sequence); // and it did not count as the session's first reply either
        Assert.Equal(1, server.GetStatistics().DroppedTooShort);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Reflector_StatefulTwoSendersAndTwoSsids_CountsEachSessionFromZero()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, StampMode = UdpEchoStampMode.Stateful });
        using var first = new MinimalStampSender(server.Target());
        using var second = new MinimalStampSender(server.Target());

        async Task<uint> ReflectorSequence(MinimalStampSender sender, uint sequence, ushort ssid)
        {
            await sender.SendAsync(sequence, ssid);
            return (await sender.ReceiveAsync()).Sequence;
        }

        Assert.Equal(0u, await ReflectorSequence(first, 0, ssid: 1));
        Assert.Equal(0u, await ReflectorSequence(second, 0, ssid: 1));
        Assert.Equal(1u, await ReflectorSequence(first, 1, ssid: 1));
        Assert.Equal(0u, await ReflectorSequence(first, 2, ssid: 2));
        Assert.Equal(1u, await ReflectorSequence(second, 5, ssid: 1));
        Assert.Equal(2u, await ReflectorSequence(first, 3, ssid: 1));
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Reflector_SourcePolicyAppliesAsInEchoMode()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, StampMode = UdpEchoStampMode.Stateless, RateLimitPerSource = 1, RateLimitBurst = 1 });
        using var sender = new MinimalStampSender(server.Target());

        await sender.SendAsync(1, ssid: 0);
        await sender.ReceiveAsync();
        await sender.SendAsync(2, ssid: 0);
        await Conditions.WaitUntilAsync(() => server.GetStatistics().DroppedByRateLimit == 1, "the second packet to be rate limited");
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Reflector_DelayedByTheImpairment_TransmitTimestampTakenAtTheSend()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions
        {
            Engine = engine,
            StampMode = UdpEchoStampMode.Stateless,
            Impairment = { Delay = TimeSpan.FromMilliseconds(30) },
        });
        using var sender = new MinimalStampSender(server.Target());

        await sender.SendAsync(1, ssid: 0);
        var reply = await sender.ReceiveAsync();

        // The hold shows as the reflector's processing time (T3 - T2), so a sender can take it out of the round trip.
        Assert.InRange(MinimalStampReply.Microseconds(reply.T3, reply.T2), 29_000, 1e6);
        Assert.InRange(MinimalStampReply.Microseconds(reply.T4, reply.T3), -SlackMicroseconds, 1e6);
    }
}

/// <summary>The tests above on the batched engine (kernel receive timestamps and TTL).</summary>
public sealed class UdpEchoServerStampTestsOnBatchedEngine() : UdpEchoServerStampTests(UdpEchoServerEngine.Batched);

/// <summary>The tests above on the portable engine.</summary>
public sealed class UdpEchoServerStampTestsOnPortableEngine() : UdpEchoServerStampTests(UdpEchoServerEngine.Portable);
