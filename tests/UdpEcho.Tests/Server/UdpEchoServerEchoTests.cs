using System.Net;
using System.Net.Sockets;
using UdpEcho.Tests.Infrastructure;

namespace UdpEcho.Tests.Server;

/// <summary>What the server sends back, byte for byte, and what it refuses to send back.</summary>
public abstract class UdpEchoServerEchoTests(UdpEchoServerEngine engine)
{
    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(511)]
    [InlineData(512)]
    [InlineData(1472)]
    [InlineData(UdpEchoServerOptions.MaxIPv4DatagramSize)]
    public async Task Echo_IPv4Payload_ReturnsSameBytesFromServerEndPoint(int size)
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine });
        using var client = new RawUdpSocket(AddressFamily.InterNetwork);
        var payload = ServerTesting.RandomPayload(size);

        var reply = await client.SendAndReceiveAsync(payload, server.Target());

        Assert.Equal(payload, reply.Payload);
        Assert.Equal(server.LocalEndPoint, reply.From);
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(511)]
    [InlineData(512)]
    [InlineData(1232)]
    [InlineData(1452)]
    [InlineData(UdpEchoServerOptions.MaxIPv4DatagramSize)]
    [InlineData(UdpEchoServerOptions.MaxIPv6DatagramSize)]
    public async Task Echo_IPv6Payload_ReturnsSameBytesFromServerEndPoint(int size)
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, Address = IPAddress.IPv6Loopback });
        using var client = new RawUdpSocket(AddressFamily.InterNetworkV6);
        var payload = ServerTesting.RandomPayload(size, seed: 6);

        var reply = await client.SendAndReceiveAsync(payload, server.Target(AddressFamily.InterNetworkV6));

        Assert.Equal(payload, reply.Payload);
        Assert.Equal(server.LocalEndPoint, reply.From);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Echo_ZeroLengthDatagram_ReturnsZeroLengthDatagram()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine });
        using var client = new RawUdpSocket();

        // A zero-length echo must still be a datagram of its own: the marker behind it proves nothing was merged or skipped.
        await client.SendAsync(ReadOnlyMemory<byte>.Empty, server.Target());
        var empty = await client.ReceiveAsync();
        var marker = await client.SendAndReceiveAsync(new byte[] { 42 }, server.Target());

        Assert.Empty(empty.Payload);
        Assert.Equal(server.LocalEndPoint, empty.From);
        Assert.Equal(new byte[] { 42 }, marker.Payload);
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(101)]
    [InlineData(102)]
    [InlineData(UdpEchoServerOptions.MaxIPv4DatagramSize)]
    public async Task Echo_DatagramLargerThanMax_IsDroppedAndCounted(int size)
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, MaxDatagramSize = 100 });
        using var client = new RawUdpSocket();

        // Loopback keeps order and the server handles one datagram at a time: had the big one been echoed (even cut
        // short), its echo would arrive before the small one's.
        await client.SendAsync(ServerTesting.RandomPayload(size), server.Target());
        var small = await client.SendAndReceiveAsync(new byte[] { 1, 2, 3 }, server.Target());
        var atMax = ServerTesting.RandomPayload(100, seed: 1);
        var exact = await client.SendAndReceiveAsync(atMax, server.Target());
        await server.StopAsync().WaitAsync(TestTimeouts.Await);

        Assert.Equal(new byte[] { 1, 2, 3 }, small.Payload);
        Assert.Equal(atMax, exact.Payload);
        var statistics = server.GetStatistics();
        Assert.Equal(1, statistics.DroppedTooLarge);
        Assert.Equal(1, statistics.DatagramsDropped);
        Assert.Equal(3, statistics.DatagramsReceived);
        Assert.Equal(3 + 100, statistics.BytesReceived); // the oversized datagram's size is unknown: it adds none
        Assert.Equal(2, statistics.DatagramsEchoed);
        Assert.Equal(3 + 100, statistics.BytesEchoed);
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(AddressFamily.InterNetwork, 1000, 1001)]
    [InlineData(AddressFamily.InterNetworkV6, UdpEchoServerOptions.MaxIPv4DatagramSize, UdpEchoServerOptions.MaxIPv4DatagramSize + 1)]
    [InlineData(AddressFamily.InterNetworkV6, 0, 1)]
    public async Task Echo_AfterOversizedDatagram_KeepsServing(AddressFamily family, int max, int badSize)
    {
        var address = family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, Address = address, MaxDatagramSize = max });
        using var client = new RawUdpSocket(family);
        var target = server.Target(family);

        await client.SendAsync(ServerTesting.RandomPayload(badSize), target);
        for (var i = 0; i < 20; i++)
        {
            var payload = ServerTesting.RandomPayload(Math.Min(max, i * 50), seed: i);
            var reply = await client.SendAndReceiveAsync(payload, target);
            Assert.Equal(payload, reply.Payload);
        }

        Assert.True(server.IsRunning);
        await server.StopAsync().WaitAsync(TestTimeouts.Await);
        var statistics = server.GetStatistics();
        Assert.Equal(1, statistics.DroppedTooLarge);
        Assert.Equal(20, statistics.DatagramsEchoed);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Echo_BurstMixingOversizedAndEmptyDatagrams_EchoesExactlyTheOthersInOrder()
    {
        // A burst fills whole receive batches, with dropped datagrams between echoed ones: every echo must still be
        // its own datagram's bytes, to its sender, in order; none of a neighbour's, none of an oversized one.
        const int Count = 200;
        await using var server = await ServerTesting.StartServerAsync(
            new UdpEchoServerOptions { Engine = engine, MaxDatagramSize = 100, ReceiveBufferSize = RawUdpSocket.BufferSize });
        using var client = new RawUdpSocket();
        var expected = new List<byte[]>();
        for (var i = 0; i < Count; i++)
        {
            var payload = ServerTesting.RandomPayload(i % 3 == 1 ? 101 + i : i % 101, seed: i);
            if (payload.Length <= 100)
            {
                expected.Add(payload);
            }

            await client.SendAsync(payload, server.Target());
        }

        for (var i = 0; i < expected.Count; i++)
        {
            var echo = await client.ReceiveAsync();
            Assert.Equal(expected[i], echo.Payload);
            Assert.Equal(server.LocalEndPoint, echo.From);
        }

        await server.StopAsync().WaitAsync(TestTimeouts.Await);
        var statistics = server.GetStatistics();
        Assert.Equal(Count, statistics.DatagramsReceived);
        Assert.Equal(Count - expected.Count, statistics.DroppedTooLarge);
        Assert.Equal(expected.Count, statistics.DatagramsEchoed);
        Assert.Equal(expected.Sum(p => (long)p.Length), statistics.BytesEchoed);
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(AddressFamily.InterNetwork, 64)]
    [InlineData(AddressFamily.InterNetwork, 1000)]
    [InlineData(AddressFamily.InterNetworkV6, 64)]
    public async Task Echo_BurstOfEqualSizedDatagramsFromTwoClients_EachGetsItsOwnAsSeparateDatagramsInOrder(AddressFamily family, int size)
    {
        // Equal-sized datagrams from one sender are what the batched engine sends back as one segmented message
        // (UDP_SEGMENT); the kernel must split it into the original datagrams, each to its own sender, in order.
        const int PerClient = 150;
        var address = family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        await using var server = await ServerTesting.StartServerAsync(
            new UdpEchoServerOptions { Engine = engine, Address = address, ReceiveBufferSize = RawUdpSocket.BufferSize });
        var target = server.Target(family);
        using var first = new RawUdpSocket(family);
        using var second = new RawUdpSocket(family);
        byte[] Payload(int client, int sequence)
        {
            var payload = ServerTesting.RandomPayload(size, seed: (client * 1000) + sequence);
            BitConverter.TryWriteBytes(payload, sequence);
            return payload;
        }

        // Runs of one client's datagrams, then the other's, then alternating: groups must end where the sender changes.
        for (var sequence = 0; sequence < PerClient; sequence++)
        {
            var (a, b) = sequence < PerClient / 2 ? (sequence % 10 < 5, sequence % 10 >= 5) : (true, true);
            if (a)
            {
                await first.SendAsync(Payload(1, sequence), target);
            }

            if (b)
            {
                await second.SendAsync(Payload(2, sequence), target);
            }
        }

        foreach (var (socket, client) in new[] { (first, 1), (second, 2) })
        {
            for (var sequence = 0; sequence < PerClient; sequence++)
            {
                var inFirstHalf = sequence < PerClient / 2;
                if (inFirstHalf && (client == 1) != (sequence % 10 < 5))
                {
                    continue;
                }

                var echo = await socket.ReceiveAsync();
                Assert.Equal(Payload(client, sequence), echo.Payload);
            }

            Assert.Equal(0, socket.Socket.Available);
        }

        await server.StopAsync().WaitAsync(TestTimeouts.Await);
        var statistics = server.GetStatistics();
        Assert.Equal(PerClient * 3 / 2, statistics.DatagramsEchoed);
        Assert.Equal((long)size * PerClient * 3 / 2, statistics.BytesEchoed);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Echo_SeveralReceiveLoops_EachClientGetsItsOwnEchoesAndStopFreesThePort()
    {
        const int Clients = 8;
        const int PerClient = 50;
        var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, ReceiveLoops = 3 });
        var port = server.LocalEndPoint!.Port;
        try
        {
            var clients = Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
            {
                using var socket = new RawUdpSocket();
                for (var sequence = 0; sequence < PerClient; sequence++)
                {
                    var payload = ServerTesting.RandomPayload(16 + sequence, seed: (c * 1000) + sequence);
                    var reply = await socket.SendAndReceiveAsync(payload, server.Target());
                    Assert.True(payload.AsSpan().SequenceEqual(reply.Payload), $"client {c} ({socket.LocalEndPoint}), datagram {sequence}: got {reply.Payload.Length} bytes from {reply.From} that are not its echo");
                }
            })).ToArray();
            await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(_ => { }, TaskScheduler.Default);

            // Every client's failure, not just the first: a lost echo and a misdelivered one look alike from one side.
            var failures = clients.Where(t => !t.IsCompletedSuccessfully).Select(t => t.Exception?.InnerException?.Message ?? t.Status.ToString()).ToList();
            var seen = server.GetStatistics();
            Assert.True(
                failures.Count == 0,
                $"{string.Join("; ", failures)}; the server received {seen.DatagramsReceived}, echoed {seen.DatagramsEchoed}, dropped {seen.DatagramsDropped}, with {seen.ReceiveErrors} receive and {seen.SendErrors} send errors");

            await server.StopAsync().WaitAsync(TestTimeouts.Await);
            Assert.False(server.IsRunning);
            Assert.Equal(Clients * PerClient, server.GetStatistics().DatagramsEchoed);
        }
        finally
        {
            await server.DisposeAsync();
        }

        // Every loop let go of the socket: the same port binds again at once.
        await using var again = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, Port = port });
        Assert.Equal(port, again.LocalEndPoint!.Port);
    }

    [Theory(Timeout = TestTimeouts.Long)]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task Echo_ManyClientsAtOnce_EachGetsItsOwnEchoes(string address)
    {
        const int Clients = 32;
        const int PerClient = 50;
        var loopback = IPAddress.Parse(address);
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, Address = loopback });
        var target = server.Target(loopback.AddressFamily);
        var sockets = Enumerable.Range(0, Clients).Select(_ => new RawUdpSocket(loopback.AddressFamily)).ToArray();
        try
        {
            // Each client waits for one echo before sending the next, so at most 32 datagrams are in flight and
            // loopback has no reason to drop any; the payload names client and sequence, so a misdelivery shows.
            async Task RunClientAsync(int clientIndex)
            {
                var socket = sockets[clientIndex];
                for (var sequence = 0; sequence < PerClient; sequence++)
                {
                    var payload = ServerTesting.RandomPayload(8 + (sequence * 7 % 200), seed: (clientIndex * 1000) + sequence);
                    BitConverter.TryWriteBytes(payload, clientIndex);
                    BitConverter.TryWriteBytes(payload.AsSpan(4), sequence);
                    var reply = await socket.SendAndReceiveAsync(payload, target);
                    Assert.Equal(payload, reply.Payload);
                    Assert.Equal(server.LocalEndPoint, reply.From);
                }
            }

            await Task.WhenAll(Enumerable.Range(0, Clients).Select(i => Task.Run(() => RunClientAsync(i))))
                .WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }

        await server.StopAsync().WaitAsync(TestTimeouts.Await);
        var statistics = server.GetStatistics();
        Assert.Equal(Clients * PerClient, statistics.DatagramsReceived);
        Assert.Equal(Clients * PerClient, statistics.DatagramsEchoed);
        Assert.Equal(0, statistics.DatagramsDropped);
    }
}

/// <summary>The tests above on the batched engine (Linux <c>recvmmsg</c>/<c>sendmmsg</c>).</summary>
public sealed class UdpEchoServerEchoTestsOnBatchedEngine() : UdpEchoServerEchoTests(UdpEchoServerEngine.Batched);

/// <summary>The tests above on the portable engine (<c>ReceiveFromAsync</c>/<c>SendToAsync</c>).</summary>
public sealed class UdpEchoServerEchoTestsOnPortableEngine() : UdpEchoServerEchoTests(UdpEchoServerEngine.Portable);
