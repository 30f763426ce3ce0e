using System.Net;
using System.Net.Sockets;
using UdpEcho.Tests.Infrastructure;

namespace UdpEcho.Tests.Server;

/// <summary>How the server's socket is set up, and how a failure to set it up is reported.</summary>
public abstract class UdpEchoServerSocketTests(UdpEchoServerEngine engine)
{
    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StartAsync_BufferSizes_AppliedAndServerEchoes()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, ReceiveBufferSize = 1 << 20, SendBufferSize = 1 << 19 });
        using var client = new RawUdpSocket();

        var echo = await client.SendAndReceiveAsync(new byte[] { 42 }, server.Target());

        Assert.Equal(new byte[] { 42 }, echo.Payload);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StartAsync_AddressNotOnThisMachine_ThrowsNamingEndpoint()
    {
        // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to an interface. Binding sends nothing.
        await using var server = new UdpEchoServer(new UdpEchoServerOptions { Engine = engine, Address = IPAddress.Parse("192.0.2.1"), Port = 0 });

        var error = await Assert.ThrowsAsync<UdpEchoException>(() => server.StartAsync());

        Assert.Equal(SocketError.AddressNotAvailable, error.SocketErrorCode);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 0), error.EndPoint);
        Assert.Contains("192.0.2.1:0", error.Message, StringComparison.Ordinal);
        Assert.Contains("not assigned to any interface", error.Message, StringComparison.Ordinal);
        Assert.IsType<SocketException>(error.InnerException);
        Assert.False(server.IsRunning);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task UdpEchoException_Constructors_KeepMessageCauseAndSocketError()
    {
        var plain = new UdpEchoException();
        var withMessage = new UdpEchoException("boom");
        var fromSocket = new UdpEchoException("wrapped", new SocketException((int)SocketError.ConnectionRefused));
        var fromOther = new UdpEchoException("wrapped", new InvalidOperationException());

        Assert.Equal(SocketError.SocketError, plain.SocketErrorCode);
        Assert.Null(plain.EndPoint);
        Assert.Equal("boom", withMessage.Message);
        Assert.Equal(SocketError.ConnectionRefused, fromSocket.SocketErrorCode);
        Assert.Equal(SocketError.SocketError, fromOther.SocketErrorCode);
        Assert.IsAssignableFrom<IOException>(fromOther);
        await Task.CompletedTask;
    }
}

/// <summary>The tests above on the batched engine (Linux <c>recvmmsg</c>/<c>sendmmsg</c>).</summary>
public sealed class UdpEchoServerSocketTestsOnBatchedEngine() : UdpEchoServerSocketTests(UdpEchoServerEngine.Batched);

/// <summary>The tests above on the portable engine (<c>ReceiveFromAsync</c>/<c>SendToAsync</c>).</summary>
public sealed class UdpEchoServerSocketTestsOnPortableEngine() : UdpEchoServerSocketTests(UdpEchoServerEngine.Portable);
