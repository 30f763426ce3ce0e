using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using UdpEcho.Diagnostics;
using UdpEcho.Tests.Infrastructure;

namespace UdpEcho.Tests.Server;

/// <summary>
/// Several receive loops: on Linux each owns a socket of a <c>SO_REUSEPORT</c> group, so each sender stays on one loop.
/// What users rely on must hold whatever <see cref="UdpEchoServerOptions.ReceiveLoops"/> is: handlers never overlap,
/// a sender's datagrams are raised and echoed in order, and the counters add up.
/// </summary>
public abstract class UdpEchoServerReceiveLoopsTests(UdpEchoServerEngine engine)
{
    private const int Senders = 8;
    private const int PerSender = 400;

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task FourLoopsEightSenders_HandlersNeverOverlapAndEachSendersOrderIsKept()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, ReceiveLoops = 4 });
        var running = 0;
        var overlaps = 0;
        var raised = new ConcurrentDictionary<int, List<int>>();
        server.MessageReceived += (_, e) =>
        {
            if (Interlocked.Increment(ref running) != 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            // A plain List per sender, as the README's handler uses: safe only because handlers never overlap.
            raised.GetOrAdd(e.RemoteEndPoint.Port, _ => []).Add(BinaryPrimitives.ReadInt32BigEndian(e.Payload.Span));
            Thread.SpinWait(200); // long enough for a second loop to come in, were it allowed to
            Interlocked.Decrement(ref running);
        };

        var echoes = await Task.WhenAll(Enumerable.Range(0, Senders).Select(_ => Task.Run(() => SendInWindowsAsync(server.Target()))));
        await server.StopAsync().WaitAsync(TestTimeouts.Await);

        Assert.Equal(0, overlaps);
        Assert.Equal(Senders, raised.Count);
        Assert.All(raised.Values, sequence => Assert.Equal(Enumerable.Range(0, PerSender), sequence));
        Assert.All(echoes, sequence => Assert.Equal(Enumerable.Range(0, PerSender), sequence));
        var statistics = server.GetStatistics();
        Assert.Equal(Senders * PerSender, statistics.DatagramsReceived);
        Assert.Equal(Senders * PerSender, statistics.DatagramsEchoed);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task ThreeLoops_SendersSpreadOverLoopsThatShareThePortAndTheCounters()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, ReceiveLoops = 3 });
        var pipeline = server.RunningPipeline!;

        var clients = Enumerable.Range(0, 24).Select(_ => new RawUdpSocket()).ToList();
        try
        {
            foreach (var client in clients)
            {
                var reply = await client.SendAndReceiveAsync(new byte[] { 1, 2, 3 }, server.Target());
                Assert.Equal(server.LocalEndPoint, reply.From); // every loop's socket answers from the one endpoint
            }
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }

        Assert.Equal(3, pipeline.Loops.Length);
        var busy = pipeline.Loops.Count(l => l.Report.Counters.Read(ServerCounter.DatagramsReceived) > 0);
        if (OperatingSystem.IsLinux())
        {
            // 24 senders over 3 sockets by the kernel's flow hash: all on one socket would be a 1 in 3^23 chance.
            Assert.True(busy > 1, "every sender landed on one loop: the sockets are not a SO_REUSEPORT group");
        }

        await server.StopAsync().WaitAsync(TestTimeouts.Await);
        Assert.Equal(24, server.GetStatistics().DatagramsEchoed);
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task SeveralLoops_AnyOtherSocketOnThePort_Refused(string address)
    {
        var loopback = IPAddress.Parse(address);
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, Address = loopback, ReceiveLoops = 3 });
        using var intruder = new Socket(loopback.AddressFamily, SocketType.Dgram, ProtocolType.Udp);

        var e = Assert.Throws<SocketException>(() => intruder.Bind(server.LocalEndPoint!));

        Assert.Equal(SocketError.AddressAlreadyInUse, e.SocketErrorCode);
    }

    /// <summary>Sends <see cref="PerSender"/> numbered datagrams from one socket, 50 in flight at most; returns the numbers echoed, in arrival order.</summary>
    private static async Task<List<int>> SendInWindowsAsync(IPEndPoint target)
    {
        using var socket = new RawUdpSocket();
        var received = new List<int>(PerSender);
        var payload = new byte[4];
        for (var next = 0; next < PerSender;)
        {
            var window = Math.Min(50, PerSender - next);
            for (var i = 0; i < window; i++)
            {
                BinaryPrimitives.WriteInt32BigEndian(payload, next + i);
                await socket.SendAsync(payload, target);
            }

            for (var i = 0; i < window; i++)
            {
                received.Add(BinaryPrimitives.ReadInt32BigEndian((await socket.ReceiveAsync()).Payload));
            }

            next += window;
        }

        return received;
    }
}

/// <summary>The tests above on the batched engine.</summary>
public sealed class UdpEchoServerReceiveLoopsTestsOnBatchedEngine() : UdpEchoServerReceiveLoopsTests(UdpEchoServerEngine.Batched);

/// <summary>The tests above on the portable engine.</summary>
public sealed class UdpEchoServerReceiveLoopsTestsOnPortableEngine() : UdpEchoServerReceiveLoopsTests(UdpEchoServerEngine.Portable);
