using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using UdpEcho.Tests.Infrastructure;

namespace UdpEcho.Tests.Server;

/// <summary>IPv6 and dual-stack servers: one socket, both families, and IPv4 senders shown as plain IPv4.</summary>
public abstract class UdpEchoServerDualStackTests(UdpEchoServerEngine engine)
{
    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Echo_DualModeServer_ServesIPv4AndIPv6Senders()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, Address = IPAddress.IPv6Any, DualMode = true });
        var seen = new ConcurrentQueue<UdpEchoMessageReceivedEventArgs>();
        server.MessageReceived += (_, e) => seen.Enqueue(e);
        using var v4 = new RawUdpSocket(AddressFamily.InterNetwork);
        using var v6 = new RawUdpSocket(AddressFamily.InterNetworkV6);
        var v4Payload = ServerTesting.RandomPayload(1000, seed: 4);
        var v6Payload = ServerTesting.RandomPayload(1000, seed: 6);
        var v4Target = server.Target(AddressFamily.InterNetwork);
        var v6Target = server.Target(AddressFamily.InterNetworkV6);

        var v4Reply = await v4.SendAndReceiveAsync(v4Payload, v4Target);
        var v6Reply = await v6.SendAndReceiveAsync(v6Payload, v6Target);
        await server.StopAsync().WaitAsync(TestTimeouts.Await);

        Assert.Equal(v4Payload, v4Reply.Payload);
        Assert.Equal(v4Target, v4Reply.From);
        Assert.Equal(v6Payload, v6Reply.Payload);
        Assert.Equal(v6Target, v6Reply.From);

        var args = seen.ToArray();
        Assert.Equal(2, args.Length);
        Assert.Equal(AddressFamily.InterNetwork, args[0].RemoteEndPoint.AddressFamily);
        Assert.Equal("127.0.0.1", args[0].RemoteEndPoint.Address.ToString());
        Assert.Equal(v4.LocalEndPoint, args[0].RemoteEndPoint);
        Assert.Equal(v4Payload, args[0].Payload.ToArray());
        Assert.Equal(v6.LocalEndPoint, args[1].RemoteEndPoint);
        Assert.Equal(v6Payload, args[1].Payload.ToArray());
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StartAsync_DualModeServer_ReportsIPv6AnyEndPoint()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, Address = IPAddress.IPv6Any, DualMode = true });

        Assert.Equal(IPAddress.IPv6Any, server.LocalEndPoint!.Address);
        Assert.NotEqual(0, server.LocalEndPoint.Port);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Echo_IPv6OnlyServer_RaisesEventWithIPv6Sender()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, Address = IPAddress.IPv6Loopback });
        var raised = new TaskCompletionSource<UdpEchoMessageReceivedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.MessageReceived += (_, e) => raised.TrySetResult(e);
        using var client = new RawUdpSocket(AddressFamily.InterNetworkV6);

        await client.SendAndReceiveAsync(new byte[] { 6 }, server.Target(AddressFamily.InterNetworkV6));
        var args = await raised.Task.WaitAsync(TestTimeouts.Await);

        Assert.Equal(client.LocalEndPoint, args.RemoteEndPoint);
        Assert.Equal(new byte[] { 6 }, args.Payload.ToArray());
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData("127.0.0.1")]
    [InlineData("0.0.0.0")]
    public async Task Constructor_DualModeWithIPv4Address_ThrowsNamingDualMode(string address)
    {
        var options = new UdpEchoServerOptions { Engine = engine, Address = IPAddress.Parse(address), DualMode = true };

        var e = await Assert.ThrowsAsync<ArgumentException>(async () =>
        {
            await using var server = new UdpEchoServer(options);
        });

        Assert.Equal(nameof(UdpEchoServerOptions.DualMode), e.ParamName);
        Assert.Throws<ArgumentException>(options.Validate);
    }
}

/// <summary>The tests above on the batched engine (Linux <c>recvmmsg</c>/<c>sendmmsg</c>).</summary>
public sealed class UdpEchoServerDualStackTestsOnBatchedEngine() : UdpEchoServerDualStackTests(UdpEchoServerEngine.Batched);

/// <summary>The tests above on the portable engine (<c>ReceiveFromAsync</c>/<c>SendToAsync</c>).</summary>
public sealed class UdpEchoServerDualStackTestsOnPortableEngine() : UdpEchoServerDualStackTests(UdpEchoServerEngine.Portable);
