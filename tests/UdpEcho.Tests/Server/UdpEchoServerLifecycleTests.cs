using System.Net;
using System.Net.Sockets;
using UdpEcho.Tests.Infrastructure;

namespace UdpEcho.Tests.Server;

/// <summary>Start, stop, restart, dispose: what each does to <see cref="UdpEchoServer.IsRunning"/>, the endpoint and the port.</summary>
public abstract class UdpEchoServerLifecycleTests(UdpEchoServerEngine engine)
{
    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StartAsync_PortZero_RunsOnRealLoopbackPort()
    {
        await using var server = new UdpEchoServer(new UdpEchoServerOptions { Engine = engine, Address = IPAddress.Loopback, Port = 0 });
        Assert.False(server.IsRunning);
        Assert.Null(server.LocalEndPoint);

        await server.StartAsync().WaitAsync(TestTimeouts.Await);

        Assert.True(server.IsRunning);
        Assert.Equal(IPAddress.Loopback, server.LocalEndPoint!.Address);
        Assert.NotEqual(0, server.LocalEndPoint.Port);
        using var client = new RawUdpSocket();
        var reply = await client.SendAndReceiveAsync(new byte[] { 7 }, server.LocalEndPoint);
        Assert.Equal(new byte[] { 7 }, reply.Payload);
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task StopAsync_Running_ClearsStateAndFreesPort(string address)
    {
        var loopback = IPAddress.Parse(address);
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, Address = loopback });
        var port = server.LocalEndPoint!.Port;

        await server.StopAsync().WaitAsync(TestTimeouts.Await);

        Assert.False(server.IsRunning);
        Assert.Null(server.LocalEndPoint);
        await using var next = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, Address = loopback, Port = port });
        Assert.Equal(port, next.LocalEndPoint!.Port);
        using var client = new RawUdpSocket(loopback.AddressFamily);
        var reply = await client.SendAndReceiveAsync(new byte[] { 1, 2 }, next.Target(loopback.AddressFamily));
        Assert.Equal(new byte[] { 1, 2 }, reply.Payload);
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task StartAsync_AfterStopAsync_SameInstanceServesOnSamePortAgain(string address)
    {
        // Learn a free port, then give it explicitly, so the restart must rebind exactly the port it just released.
        var loopback = IPAddress.Parse(address);
        var family = loopback.AddressFamily;
        int port;
        await using (var probe = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, Address = loopback }))
        {
            port = probe.LocalEndPoint!.Port;
        }

        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, Address = loopback, Port = port });
        using var client = new RawUdpSocket(family);
        Assert.Equal(new byte[] { 1 }, (await client.SendAndReceiveAsync(new byte[] { 1 }, server.Target(family))).Payload);

        await server.StopAsync().WaitAsync(TestTimeouts.Await);
        await server.StartAsync().WaitAsync(TestTimeouts.Await);

        Assert.True(server.IsRunning);
        Assert.Equal(new IPEndPoint(loopback, port), server.LocalEndPoint);
        Assert.Equal(new byte[] { 2 }, (await client.SendAndReceiveAsync(new byte[] { 2 }, server.Target(family))).Payload);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task DisposeAsync_Running_FreesPort()
    {
        var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine });
        var endPoint = server.LocalEndPoint!;

        await server.DisposeAsync().AsTask().WaitAsync(TestTimeouts.Await);

        Assert.False(server.IsRunning);
        Assert.Null(server.LocalEndPoint);
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        squatter.Bind(endPoint);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StartAsync_WhileRunning_ThrowsInvalidOperationExceptionAndKeepsServing()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine });
        var endPoint = server.LocalEndPoint;

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => server.StartAsync().WaitAsync(TestTimeouts.Await));

        Assert.Contains(endPoint!.ToString(), e.Message, StringComparison.Ordinal);
        Assert.True(server.IsRunning);
        Assert.Equal(endPoint, server.LocalEndPoint);
        using var client = new RawUdpSocket();
        Assert.Equal(new byte[] { 9 }, (await client.SendAndReceiveAsync(new byte[] { 9 }, server.Target())).Payload);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StartAsync_AfterDisposeAsync_ThrowsObjectDisposedException()
    {
        var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine });
        await server.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => server.StartAsync().WaitAsync(TestTimeouts.Await));

        Assert.False(server.IsRunning);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StartAsync_NeverStartedThenDisposed_ThrowsObjectDisposedException()
    {
        var server = new UdpEchoServer(new UdpEchoServerOptions { Engine = engine });
        await server.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => server.StartAsync().WaitAsync(TestTimeouts.Await));
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StartAsync_CanceledToken_ThrowsWithoutBinding()
    {
        await using var server = new UdpEchoServer(new UdpEchoServerOptions { Engine = engine });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => server.StartAsync(new CancellationToken(canceled: true)).WaitAsync(TestTimeouts.Await));

        Assert.False(server.IsRunning);
        Assert.Null(server.LocalEndPoint);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StopAsync_CancelledWhileAHandlerBlocksTheLoop_ReturnsAtOnceAndTheLoopEndsLater()
    {
        using var release = new ManualResetEventSlim();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine });
        server.MessageReceived += (_, _) =>
        {
            entered.TrySetResult();
            release.Wait(TimeSpan.FromSeconds(30));
        };
        var port = server.LocalEndPoint!.Port;
        using var client = new RawUdpSocket();
        await client.SendAsync(new byte[] { 1 }, server.Target());
        await entered.Task.WaitAsync(TestTimeouts.Await);

        // The handler holds the receive loop: the stop cannot finish, but the caller's token must still be honoured.
        using var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => server.StopAsync(giveUp.Token).WaitAsync(TestTimeouts.Await));

        // The stop goes on without its caller; until the socket is closed the server says so.
        Assert.True(server.IsRunning);
        Assert.Equal(port, server.LocalEndPoint!.Port);
        Assert.Throws<InvalidOperationException>(() => server.StartAsync().GetAwaiter().GetResult());

        // Once the handler returns, the loop ends and the server lets go of the port.
        release.Set();
        await server.Released.WaitAsync(TestTimeouts.Await);
        Assert.False(server.IsRunning);
        Assert.Null(server.LocalEndPoint);
        await server.DisposeAsync();
        await using var again = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, Port = port });
        Assert.Equal(port, again.LocalEndPoint!.Port);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StopAndDispose_CalledTogetherWhileAHandlerBlocks_ShareOneStopThatEndsWhenTheSocketIsClosed()
    {
        using var release = new ManualResetEventSlim();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine });
        server.MessageReceived += (_, _) =>
        {
            entered.TrySetResult();
            release.Wait(TestTimeouts.Await);
        };
        var endPoint = server.LocalEndPoint!;
        using var client = new RawUdpSocket();
        await client.SendAsync(new byte[] { 1 }, server.Target());
        await entered.Task.WaitAsync(TestTimeouts.Await);

        Task[] stops = [server.StopAsync(), server.StopAsync(), server.DisposeAsync().AsTask(), server.StopAsync()];

        // None may return while the loop (and so the socket) is still held: the port is not free yet.
        Assert.All(stops, stop => Assert.False(stop.IsCompleted));
        Assert.True(server.IsRunning);
        Assert.Equal(endPoint, server.LocalEndPoint);
        release.Set();
        await Task.WhenAll(stops).WaitAsync(TestTimeouts.Await);

        Assert.False(server.IsRunning);
        Assert.Null(server.LocalEndPoint);
        using var next = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        next.Bind(endPoint); // free as soon as every stop has returned
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StopAsync_DatagramsAdmittedBeforeTheStop_EachEchoedOrCounted()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, Impairment = { Delay = TimeSpan.FromMilliseconds(20) } });
        using var client = new RawUdpSocket();
        for (var i = 0; i < 200; i++)
        {
            await client.SendAsync(new byte[] { (byte)i }, server.Target());
        }

        await server.StopAsync().WaitAsync(TestTimeouts.Await);

        // Whatever the stop caught in flight: received while running and echoed, or counted as dropped at shutdown.
        var statistics = server.GetStatistics();
        Assert.Equal(statistics.DatagramsReceived, statistics.DatagramsEchoed + statistics.DatagramsDropped);
        Assert.Equal(statistics.DatagramsDropped, statistics.DroppedAtShutdown);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task StopAsync_RightAfterABurst_EveryDatagramTakenIsEchoedOrCounted()
    {
        // Stops that land while a loop holds a datagram it has taken but not yet echoed: it must finish or count it.
        using var client = new RawUdpSocket();
        for (var round = 0; round < 200; round++)
        {
            await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine });
            for (var i = 0; i < 50; i++)
            {
                client.Socket.SendTo(new byte[] { (byte)i }, server.Target());
            }

            await server.StopAsync().WaitAsync(TestTimeouts.Await);
            var statistics = server.GetStatistics();
            Assert.True(statistics.DatagramsReceived == statistics.DatagramsEchoed + statistics.DatagramsDropped, $"round {round}: {statistics}");
        }
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task OneOfFourLoopsFaults_TheWholeRunEnds_SocketsClosedAndIsRunningFalse()
    {
        // A metrics listener that throws once, inside one loop: that loop cannot go on, and the run must not pretend to.
        using var metrics = new UdpEcho.Tests.Diagnostics.MetricsCollector(only: "udpecho.server.datagrams");
        var thrown = 0;
        metrics.OnMeasurement = _ =>
        {
            if (Interlocked.Exchange(ref thrown, 1) == 0)
            {
                throw new InvalidOperationException("a listener's bug");
            }
        };
        await using var server = new UdpEchoServer(new UdpEchoServerOptions { Engine = engine, ReceiveLoops = 4 }, null, metrics);
        await server.StartAsync().WaitAsync(TestTimeouts.Await);
        var endPoint = server.LocalEndPoint!;
        using var client = new RawUdpSocket();

        await client.SendAsync(new byte[] { 1 }, endPoint);
        await Conditions.WaitUntilAsync(() => !server.IsRunning && server.LocalEndPoint is null, "the faulted run to end");

        using var next = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        next.Bind(endPoint); // every socket of the group is closed
        next.Dispose();
        await server.StartAsync().WaitAsync(TestTimeouts.Await); // and the server can start again
        Assert.Equal(new byte[] { 2 }, (await client.SendAndReceiveAsync(new byte[] { 2 }, server.LocalEndPoint!)).Payload);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StopAsync_NotRunning_DoesNothing()
    {
        await using var server = new UdpEchoServer(new UdpEchoServerOptions { Engine = engine });

        await server.StopAsync().WaitAsync(TestTimeouts.Await);
        await server.StartAsync().WaitAsync(TestTimeouts.Await);
        await server.StopAsync().WaitAsync(TestTimeouts.Await);
        await server.StopAsync().WaitAsync(TestTimeouts.Await);

        Assert.False(server.IsRunning);
        Assert.Null(server.LocalEndPoint);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task DisposeAsync_Twice_DoesNotThrow()
    {
        var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine });

        await server.DisposeAsync().AsTask().WaitAsync(TestTimeouts.Await);
        await server.DisposeAsync().AsTask().WaitAsync(TestTimeouts.Await);
        await server.StopAsync().WaitAsync(TestTimeouts.Await);

        Assert.False(server.IsRunning);
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData("127.0.0.1", "127.0.0.1:{0}", 1)]
    [InlineData("::1", "[::1]:{0}", 1)]
    [InlineData("127.0.0.1", "127.0.0.1:{0}", 3)]
    [InlineData("::1", "[::1]:{0}", 3)]
    public async Task StartAsync_PortInUse_ThrowsUdpEchoExceptionNamingEndPoint(string address, string named, int loops)
    {
        var loopback = IPAddress.Parse(address);
        using var squatter = new Socket(loopback.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        squatter.Bind(new IPEndPoint(loopback, 0));
        var port = ((IPEndPoint)squatter.LocalEndPoint!).Port;
        await using var server = new UdpEchoServer(new UdpEchoServerOptions { Engine = engine, Address = loopback, Port = port, ReceiveLoops = loops });

        var e = await Assert.ThrowsAsync<UdpEchoException>(() => server.StartAsync().WaitAsync(TestTimeouts.Await));

        Assert.Contains(string.Format(System.Globalization.CultureInfo.InvariantCulture, named, port), e.Message, StringComparison.Ordinal);
        Assert.Equal(SocketError.AddressAlreadyInUse, e.SocketErrorCode);
        Assert.Equal(new IPEndPoint(loopback, port), e.EndPoint);
        Assert.IsType<SocketException>(e.InnerException);
        Assert.False(server.IsRunning);
        Assert.Null(server.LocalEndPoint);

        // A failed start leaves nothing behind: once the port is free, the same instance starts.
        squatter.Dispose();
        await server.StartAsync().WaitAsync(TestTimeouts.Await);
        Assert.Equal(port, server.LocalEndPoint!.Port);
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(1, 1)]
    [InlineData(3, 3)]
    [InlineData(1, 4)]
    [InlineData(4, 1)]
    public async Task StartAsync_PortHeldByAnotherServer_ThrowsAddressAlreadyInUse(int firstLoops, int secondLoops)
    {
        // Sockets that all set SO_REUSEPORT would share a port silently: a second server must still be refused.
        await using var first = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, ReceiveLoops = firstLoops });
        await using var second = new UdpEchoServer(new UdpEchoServerOptions { Engine = engine, Address = IPAddress.Loopback, Port = first.LocalEndPoint!.Port, ReceiveLoops = secondLoops });

        var e = await Assert.ThrowsAsync<UdpEchoException>(() => second.StartAsync().WaitAsync(TestTimeouts.Await));

        Assert.Equal(SocketError.AddressAlreadyInUse, e.SocketErrorCode);
        Assert.True(first.IsRunning);
        using var client = new RawUdpSocket();
        Assert.Equal(new byte[] { 3 }, (await client.SendAndReceiveAsync(new byte[] { 3 }, first.Target())).Payload);
    }
}

/// <summary>The tests above on the batched engine (Linux <c>recvmmsg</c>/<c>sendmmsg</c>).</summary>
public sealed class UdpEchoServerLifecycleTestsOnBatchedEngine() : UdpEchoServerLifecycleTests(UdpEchoServerEngine.Batched);

/// <summary>The tests above on the portable engine (<c>ReceiveFromAsync</c>/<c>SendToAsync</c>).</summary>
public sealed class UdpEchoServerLifecycleTestsOnPortableEngine() : UdpEchoServerLifecycleTests(UdpEchoServerEngine.Portable);
