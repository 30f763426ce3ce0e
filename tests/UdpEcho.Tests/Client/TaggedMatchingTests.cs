using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace UdpEcho.Tests.Client;

/// <summary>Tagged matching: every attempt is a distinct datagram, so echoes complete exactly their call and every stray is classified.</summary>
public sealed class TaggedMatchingTests
{
    private const int TagLength = 24;
    private static readonly TimeSpan LongTimeout = TimeSpan.FromSeconds(30);

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(AddressFamily.InterNetwork)]
    [InlineData(AddressFamily.InterNetworkV6)]
    public async Task SendAndReceiveAsync_RealServer_ReturnsPayloadWithoutTheTag(AddressFamily family)
    {
        var loopback = family == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback;
        await using var server = new UdpEchoServer(new UdpEchoServerOptions { Address = loopback });
        await server.StartAsync();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.LocalEndPoint, Matching = UdpEchoMatching.Tagged, Timeout = TestTimeouts.Echo });

        var reply = await client.SendAndReceiveAsync("tagged hello").AsTask().WaitAsync(TestTimeouts.Await);

        Assert.Equal("tagged hello", Encoding.UTF8.GetString(reply.Payload.Span));
        Assert.Equal(1, reply.Attempts);
        await server.StopAsync().WaitAsync(TestTimeouts.Await); // an echo can arrive before its sender counts it
        Assert.Equal(TagLength + 12, server.GetStatistics().BytesEchoed);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_Tagged_PutsMagicSequenceAndTimestampBeforeThePayload()
    {
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, Matching = UdpEchoMatching.Tagged });

        var first = client.SendAndReceiveAsync("one").AsTask();
        var sentFirst = await peer.EchoOneAsync();
        await first.WaitAsync(TestTimeouts.Await);
        var second = client.SendAndReceiveAsync("two").AsTask();
        var sentSecond = await peer.EchoOneAsync();
        await second.WaitAsync(TestTimeouts.Await);

        Assert.Equal("UET\u0001"u8.ToArray(), sentFirst[..4]);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(sentFirst.AsSpan(4)));
        Assert.Equal(0ul << 10, BinaryPrimitives.ReadUInt64BigEndian(sentFirst.AsSpan(8)));
        Assert.Equal(1ul << 10, BinaryPrimitives.ReadUInt64BigEndian(sentSecond.AsSpan(8)));
        Assert.Equal("one"u8.ToArray(), sentFirst[TagLength..]);
        Assert.Equal("two"u8.ToArray(), sentSecond[TagLength..]);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_IdenticalPayloads_EachEchoCompletesExactlyItsOwnCall()
    {
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, Matching = UdpEchoMatching.Tagged, Timeout = LongTimeout });

        var first = client.SendAndReceiveAsync("same").AsTask();
        var (firstDatagram, from) = await peer.ReceiveAsync();
        var second = client.SendAndReceiveAsync("same").AsTask();
        var (secondDatagram, _) = await peer.ReceiveAsync();

        // The younger call's echo comes first: in exact-bytes mode it would complete the older call.
        await peer.SendAsync(secondDatagram, from);
        await second.WaitAsync(TestTimeouts.Await);
        Assert.False(first.IsCompleted);
        await peer.SendAsync(firstDatagram, from);
        await first.WaitAsync(TestTimeouts.Await);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_EchoOfFirstAttemptAfterRetry_RoundTripIsExactForThatAttempt()
    {
        var time = new SignallingTimeProvider();
        using var peer = new ScriptedPeer();
        var timeout = TimeSpan.FromMilliseconds(200);
        await using var client = new UdpEchoClient(new UdpEchoClientOptions
        {
            RemoteEndPoint = peer.EndPoint, Matching = UdpEchoMatching.Tagged, Timeout = timeout, Retries = 1, RetryJitter = 0, TimeProvider = time,
        });
        var kinds = new List<UdpEchoMessageKind>();
        var late = new TaskCompletionSource();
        client.MessageReceived += (_, e) =>
        {
            lock (kinds)
            {
                kinds.Add(e.Kind);
            }

            if (e.Kind == UdpEchoMessageKind.Late)
            {
                late.TrySetResult();
            }
        };

        var call = client.SendAndReceiveAsync("slow").AsTask();
        var (firstAttempt, from) = await peer.ReceiveAsync();
        await time.WaitForTimerAsync();
        time.Advance(timeout);
        var (secondAttempt, _) = await peer.ReceiveAsync();
        time.Advance(TimeSpan.FromMilliseconds(30));
        await peer.SendAsync(firstAttempt, from);
        var reply = await call.WaitAsync(TestTimeouts.Await);

        // Exact-bytes mode would say 30 ms (from the last send); the tag says when this datagram really left.
        Assert.Equal(timeout + TimeSpan.FromMilliseconds(30), reply.RoundTripTime);
        Assert.Equal(2, reply.Attempts);
        Assert.NotEqual(firstAttempt[8..16], secondAttempt[8..16]);

        await peer.SendAsync(secondAttempt, from);
        await late.Task.WaitAsync(TestTimeouts.Await);
        Assert.Equal([UdpEchoMessageKind.Echo, UdpEchoMessageKind.Late], kinds);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task UnmatchedDatagrams_AreClassifiedCountedAndRaised()
    {
        var time = new SignallingTimeProvider();
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions
        {
            RemoteEndPoint = peer.EndPoint, Matching = UdpEchoMatching.Tagged, TimeProvider = time,
        });
        var received = new List<(string Kind, int Length)>();
        var count = new SemaphoreSlim(0);
        client.MessageReceived += (_, e) =>
        {
            lock (received)
            {
                received.Add((e.Kind.ToString(), e.Payload.Length));
            }

            count.Release();
        };

        // A call answered twice: the second copy is a duplicate.
        var answered = client.SendAndReceiveAsync("answered").AsTask();
        var (answeredDatagram, from) = await peer.ReceiveAsync();
        await peer.SendAsync(answeredDatagram, from);
        await answered.WaitAsync(TestTimeouts.Await);
        await peer.SendAsync(answeredDatagram, from);

        // A call whose echo comes in corrupted, then with a byte too many, then after its timeout.
        var lost = client.SendAndReceiveAsync("lost in transit").AsTask();
        var (lostDatagram, _) = await peer.ReceiveAsync();
        var flipped = lostDatagram.ToArray();
        flipped[^1] ^= 0x20;
        await peer.SendAsync(flipped, from);
        await peer.SendAsync(lostDatagram.Append((byte)0x21).ToArray(), from);
        await WaitForAsync(count, 4);
        await time.WaitForTimerAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<TimeoutException>(() => lost.WaitAsync(TestTimeouts.Await));
        await peer.SendAsync(lostDatagram, from);

        // Strangers: no tag at all, and a tag with a sequence this client never sent.
        await peer.SendAsync("hello?"u8.ToArray(), from);
        var unsent = answeredDatagram.ToArray();
        BinaryPrimitives.WriteUInt64BigEndian(unsent.AsSpan(8), 999ul << 10);
        await peer.SendAsync(unsent, from);
        await WaitForAsync(count, 3);

        var statistics = client.GetStatistics();
        await client.DisposeAsync();
        Assert.Equal(
            [("Echo", 32), ("Duplicate", 32), ("Corrupt", 39), ("Corrupt", 40), ("Late", 39), ("Foreign", 6), ("Foreign", 32)],
            received);
        Assert.Equal(2, statistics.DatagramsSent);
        Assert.Equal(7, statistics.DatagramsReceived);
        Assert.Equal(1, statistics.Echoes);
        Assert.Equal(1, statistics.Timeouts);
        Assert.Equal(6, statistics.Unmatched);
        Assert.Equal(1, statistics.Duplicates);
        Assert.Equal(2, statistics.Corrupt);
        Assert.Equal(1, statistics.Late);
        Assert.Equal(2, statistics.Foreign);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_PayloadTooLargeForTagAndIPv4_ThrowsArgumentException()
    {
        await using var server = new UdpEchoServer(new UdpEchoServerOptions());
        await server.StartAsync();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.LocalEndPoint, Matching = UdpEchoMatching.Tagged, Timeout = TestTimeouts.Echo });

        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.SendAndReceiveAsync(new byte[UdpEchoServerOptions.MaxIPv4DatagramSize - TagLength + 1]).AsTask());
        var largest = await client.SendAndReceiveAsync(new byte[UdpEchoServerOptions.MaxIPv4DatagramSize - TagLength]).AsTask().WaitAsync(TestTimeouts.Await);

        Assert.Equal("payload", error.ParamName);
        Assert.Equal(UdpEchoServerOptions.MaxIPv4DatagramSize - TagLength, largest.Payload.Length);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task SendAndReceiveAsync_ManyConcurrentIdenticalCalls_AllComplete()
    {
        await using var server = new UdpEchoServer(new UdpEchoServerOptions());
        await server.StartAsync();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.LocalEndPoint, Matching = UdpEchoMatching.Tagged, Timeout = TimeSpan.FromSeconds(2), Retries = 3 });

        // Waves of 64: a burst of hundreds would overflow the loopback socket buffers and test only the retries.
        for (var wave = 0; wave < 8; wave++)
        {
            var replies = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => client.SendAndReceiveAsync("same").AsTask())).WaitAsync(TimeSpan.FromSeconds(20));
            Assert.All(replies, r => Assert.Equal("same"u8.ToArray(), r.Payload.ToArray()));
        }

        Assert.Equal(0, client.PendingCount);
        Assert.Equal(0, client.GetStatistics().Unmatched);
    }

    private static async Task WaitForAsync(SemaphoreSlim count, int times)
    {
        for (var i = 0; i < times; i++)
        {
            Assert.True(await count.WaitAsync(TestTimeouts.Await), "A datagram never reached MessageReceived.");
        }
    }
}
