using System.Net;
using System.Net.Sockets;
using UdpEcho.Tests.Infrastructure;

namespace UdpEcho.Tests.Server;

/// <summary>
/// Echoes that reach a closed port make the kernel answer with ICMP port unreachable. Some systems report that on the
/// server's next receive (Windows as WSAECONNRESET); none of it may stop the server.
/// </summary>
public abstract class UdpEchoServerIcmpTests(UdpEchoServerEngine engine)
{
    [Theory(Timeout = TestTimeouts.Long)]
    [InlineData(AddressFamily.InterNetwork)]
    [InlineData(AddressFamily.InterNetworkV6)]
    public async Task Echo_ManyClientsCloseBeforeTheirEcho_ServerKeepsServing(AddressFamily family)
    {
        const int Quitters = 200;
        var address = family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, Address = address });
        var target = server.Target(family);

        // Close right after sending: the echo almost always finds the port closed. The test below makes it certain.
        for (var i = 0; i < Quitters; i++)
        {
            using var quitter = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
            quitter.Bind(new IPEndPoint(address, 0));
            quitter.SendTo(new byte[] { (byte)i }, target);
        }

        // The live client may get the port a quitter just closed, while that quitter's echo is still on its way: the
        // kernel reuses ephemeral ports. Such a stray is one byte long; skip it and wait for our own three.
        using var live = new RawUdpSocket(family);
        await live.SendAsync(new byte[] { 1, 2, 3 }, target);
        var reply = await live.ReceiveAsync();
        while (reply.Payload.Length == 1)
        {
            reply = await live.ReceiveAsync();
        }

        Assert.Equal(new byte[] { 1, 2, 3 }, reply.Payload);
        Assert.True(server.IsRunning);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Echo_EveryEchoHitsAClosedPort_ServerStaysRunning()
    {
        const int Quitters = 50;

        // Declared before the server, so it is disposed after the server has stopped.
        using var release = new ManualResetEventSlim();
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, ReceiveBufferSize = RawUdpSocket.BufferSize });
        var target = server.Target();
        var paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = 1;

        // Handlers run on the receive loop: holding the first one keeps the server from reading anything else until
        // every quitter has closed, so each of their echoes is certain to reach a closed port.
        server.MessageReceived += (_, _) =>
        {
            if (Interlocked.Exchange(ref first, 0) == 1)
            {
                paused.TrySetResult();
                release.Wait(TestTimeouts.Await);
            }
        };

        using var live = new RawUdpSocket();
        await live.SendAndReceiveAsync(new byte[] { 0 }, target);
        try
        {
            await paused.Task.WaitAsync(TestTimeouts.Await);
            for (var i = 0; i < Quitters; i++)
            {
                using var quitter = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                quitter.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                quitter.SendTo(new byte[] { (byte)i }, target);
            }
        }
        finally
        {
            release.Set();
        }

        var reply = await live.SendAndReceiveAsync(new byte[] { 4, 5 }, target);

        Assert.Equal(new byte[] { 4, 5 }, reply.Payload);
        Assert.True(server.IsRunning);
        await server.StopAsync().WaitAsync(TestTimeouts.Await);
        var statistics = server.GetStatistics();
        Assert.Equal(Quitters + 2, statistics.DatagramsReceived);
        Assert.Equal(Quitters + 2, statistics.DatagramsEchoed + statistics.SendErrors);
    }
}

/// <summary>The tests above on the batched engine (Linux <c>recvmmsg</c>/<c>sendmmsg</c>).</summary>
public sealed class UdpEchoServerIcmpTestsOnBatchedEngine() : UdpEchoServerIcmpTests(UdpEchoServerEngine.Batched);

/// <summary>The tests above on the portable engine (<c>ReceiveFromAsync</c>/<c>SendToAsync</c>).</summary>
public sealed class UdpEchoServerIcmpTestsOnPortableEngine() : UdpEchoServerIcmpTests(UdpEchoServerEngine.Portable);
