using System.Net;
using System.Text;
using Moq;

namespace UdpEcho.Tests.Mocking;

/// <summary>
/// Shows that code written against <see cref="IUdpEchoServer"/> and <see cref="IUdpEchoClient"/> can be unit tested
/// with Moq, without a socket.
/// </summary>
public sealed class MockingTests
{
    private static readonly IPEndPoint Server = new(IPAddress.Loopback, 7007);

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Client_MockedSendAndReceive_StringOverloadGoesThroughIt()
    {
        var client = new Mock<IUdpEchoClient>(MockBehavior.Strict);
        client.Setup(c => c.SendAndReceiveAsync(It.IsAny<ReadOnlyMemory<byte>>(), It.IsAny<CancellationToken>()))
              .Returns((ReadOnlyMemory<byte> payload, CancellationToken _) =>
                  ValueTask.FromResult(new UdpEchoReply(payload, TimeSpan.FromMilliseconds(3), Server, attempts: 1)));

        var checker = new HealthCheck(client.Object);
        var healthy = await checker.IsHealthyAsync();

        Assert.True(healthy);
        client.Verify(c => c.SendAndReceiveAsync(It.Is<ReadOnlyMemory<byte>>(p => IsPing(p)), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Client_MockedTimeout_SurfacesToCaller()
    {
        var client = new Mock<IUdpEchoClient>();
        client.Setup(c => c.SendAndReceiveAsync(It.IsAny<ReadOnlyMemory<byte>>(), It.IsAny<CancellationToken>()))
              .ThrowsAsync(new TimeoutException("no echo"));

        Assert.False(await new HealthCheck(client.Object).IsHealthyAsync());
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Server_MockedEvent_ReachesSubscriberCode()
    {
        var server = new Mock<IUdpEchoServer>();
        server.SetupGet(s => s.IsRunning).Returns(true);
        server.Setup(s => s.GetStatistics()).Returns(new UdpEchoServerStatistics { DatagramsEchoed = 2, BytesEchoed = 10 });
        var audit = new AuditLog(server.Object);

        server.Raise(s => s.MessageReceived += null, new UdpEchoMessageReceivedEventArgs(new IPEndPoint(IPAddress.Loopback, 5000), "hello"u8.ToArray()));
        server.Raise(s => s.MessageReceived += null, new UdpEchoMessageReceivedEventArgs(new IPEndPoint(IPAddress.Loopback, 5001), "world"u8.ToArray()));
        await audit.StopAsync();

        Assert.Equal(["127.0.0.1:5000 hello", "127.0.0.1:5001 world"], audit.Lines);
        Assert.Equal("echoed 2 datagrams, 10 bytes", audit.Summary);
        server.Verify(s => s.StopAsync(It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Reply_Constructor_RejectsImpossibleValues()
    {
        Assert.Throws<ArgumentNullException>(() => new UdpEchoReply(default, TimeSpan.Zero, null!, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new UdpEchoReply(default, TimeSpan.FromTicks(-1), Server, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new UdpEchoReply(default, TimeSpan.Zero, Server, 0));
        var a = new UdpEchoReply("x"u8.ToArray(), TimeSpan.FromSeconds(1), Server, 2);
        var b = new UdpEchoReply("x"u8.ToArray(), TimeSpan.FromSeconds(1), Server, 2);
        Assert.True(a == b);
        Assert.False(a != b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, new UdpEchoReply("y"u8.ToArray(), TimeSpan.FromSeconds(1), Server, 2));
        Assert.False(a.Equals((object)"x"));
        await Task.CompletedTask;
    }

    private static bool IsPing(ReadOnlyMemory<byte> payload) => payload.Span.SequenceEqual("ping"u8);

    /// <summary>User code under test: asks an echo server whether it is alive.</summary>
    private sealed class HealthCheck(IUdpEchoClient client)
    {
        public async Task<bool> IsHealthyAsync()
        {
            try
            {
                var reply = await client.SendAndReceiveAsync("ping");
                return reply.Payload.Span.SequenceEqual("ping"u8);
            }
            catch (TimeoutException)
            {
                return false;
            }
        }
    }

    /// <summary>User code under test: records what a server received.</summary>
    private sealed class AuditLog
    {
        private readonly IUdpEchoServer _server;

        public AuditLog(IUdpEchoServer server)
        {
            _server = server;
            _server.MessageReceived += (_, e) => Lines.Add($"{e.RemoteEndPoint} {Encoding.UTF8.GetString(e.Payload.Span)}");
        }

        public List<string> Lines { get; } = [];

        public string? Summary { get; private set; }

        public async Task StopAsync()
        {
            await _server.StopAsync();
            var stats = _server.GetStatistics();
            Summary = $"echoed {stats.DatagramsEchoed} datagrams, {stats.BytesEchoed} bytes";
        }
    }
}
