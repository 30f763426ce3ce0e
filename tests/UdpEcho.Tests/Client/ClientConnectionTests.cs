using System.Net;
using System.Net.Sockets;

namespace UdpEcho.Tests.Client;

/// <summary>The client's socket and the thread that receives on it, as a caller sees them.</summary>
public sealed class ClientConnectionTests
{
    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(AddressFamily.InterNetwork)]
    [InlineData(AddressFamily.InterNetworkV6)]
    public async Task SendAndReceiveAsync_FirstCall_ReadyingTheSendPathSendsNothing(AddressFamily family)
    {
        // The client runs its send path once before the first call's timed send, with a datagram no UDP stack sends.
        using var peer = new ScriptedPeer(family);
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, Timeout = TestTimeouts.Echo });

        var first = client.SendAndReceiveAsync("first"u8.ToArray()).AsTask();
        var (datagram, from) = await peer.ReceiveAsync();
        await peer.SendAsync(datagram, from);
        await first.WaitAsync(TestTimeouts.Await);
        var second = client.SendAndReceiveAsync("second"u8.ToArray()).AsTask();
        var (next, _) = await peer.ReceiveAsync();
        await peer.SendAsync(next, from);
        await second.WaitAsync(TestTimeouts.Await);

        Assert.Equal("first"u8.ToArray(), datagram);
        Assert.Equal("second"u8.ToArray(), next);
        Assert.Equal(2, client.GetStatistics().DatagramsSent);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ConnectAsync_OpensTheSocketWithoutSendingAnything()
    {
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, Timeout = TestTimeouts.Echo });

        await client.ConnectAsync().WaitAsync(TestTimeouts.Await);
        var local = client.LocalEndPoint;
        var call = client.SendAndReceiveAsync("only"u8.ToArray()).AsTask();
        var (datagram, from) = await peer.ReceiveAsync();
        await peer.SendAsync(datagram, from);
        await call.WaitAsync(TestTimeouts.Await);

        Assert.NotNull(local);
        Assert.Equal(local, from);
        Assert.Equal("only"u8.ToArray(), datagram);
        Assert.Equal(1, client.GetStatistics().DatagramsSent);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task MessageReceived_RunsOnTheClientsOwnReceiveThread()
    {
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, Timeout = TestTimeouts.Echo });
        var handlerThread = new TaskCompletionSource<(string? Name, bool Pooled)>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.MessageReceived += (_, _) => handlerThread.TrySetResult((Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread));

        var call = client.SendAndReceiveAsync("where"u8.ToArray()).AsTask();
        await peer.EchoOneAsync();
        await call.WaitAsync(TestTimeouts.Await);

        // The kernel wakes this thread itself when a datagram arrives: no thread-pool hop is timed into a round trip.
        var (name, pooled) = await handlerThread.Task.WaitAsync(TestTimeouts.Await);
        Assert.Equal("UdpEcho client receive", name);
        Assert.False(pooled);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_AfterTheReceiveThreadFailed_TheNextCallOpensANewSocketAndIsAnswered()
    {
        await using var server = new UdpEchoServer(new UdpEchoServerOptions());
        await server.StartAsync();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.LocalEndPoint, Timeout = TestTimeouts.Echo });
        await client.SendAndReceiveAsync("before").AsTask().WaitAsync(TestTimeouts.Await);
        var broken = client.Connection!;

        // Closed under the receive thread, as a socket error no retry can mend would end it.
        broken.Socket.Dispose();
        await broken.ReceiveLoopEnded.WaitAsync(TestTimeouts.Await);
        var reply = await client.SendAndReceiveAsync("after").AsTask().WaitAsync(TestTimeouts.Await);

        Assert.NotNull(broken.Fault);
        Assert.Contains("the next call opens a new socket", broken.Fault.Message, StringComparison.Ordinal);
        Assert.Equal("after"u8.ToArray(), reply.Payload.ToArray());
        Assert.NotSame(broken, client.Connection);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_HostNameAfterAFailure_IsResolvedAgainAtMostOnceASecond()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var port = ClosedPort();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = new DnsEndPoint("localhost", port, AddressFamily.InterNetwork), Timeout = TimeSpan.FromMinutes(1), TimeProvider = time });

        // Nothing listens: every call fails at once with the ICMP report, a failure that asks for the name again.
        await Assert.ThrowsAsync<UdpEchoException>(() => client.SendAndReceiveAsync("1").AsTask().WaitAsync(TestTimeouts.Await));
        await Assert.ThrowsAsync<UdpEchoException>(() => client.SendAndReceiveAsync("2").AsTask().WaitAsync(TestTimeouts.Await));
        var withinASecond = client.Resolutions;
        time.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<UdpEchoException>(() => client.SendAndReceiveAsync("3").AsTask().WaitAsync(TestTimeouts.Await));
        await Assert.ThrowsAsync<UdpEchoException>(() => client.SendAndReceiveAsync("4").AsTask().WaitAsync(TestTimeouts.Await));

        Assert.Equal(1, withinASecond);
        Assert.Equal(2, client.Resolutions);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_AnAddressAfterAFailure_IsKeptAndTheClientGoesOn()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var port = ClosedPort();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, port), Timeout = TimeSpan.FromMinutes(1), TimeProvider = time });

        await Assert.ThrowsAsync<UdpEchoException>(() => client.SendAndReceiveAsync("1").AsTask().WaitAsync(TestTimeouts.Await));
        var connection = client.Connection;
        time.Advance(TimeSpan.FromSeconds(5));
        using var server = new ScriptedPeer(AddressFamily.InterNetwork, port);
        var call = client.SendAndReceiveAsync("2").AsTask();
        await server.EchoOneAsync();
        await call.WaitAsync(TestTimeouts.Await);

        Assert.Equal(1, client.Resolutions);
        Assert.Same(connection, client.Connection);
    }

    private static int ClosedPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
