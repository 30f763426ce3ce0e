using System.Net;
using System.Text;

namespace UdpEcho.Tests;

/// <summary>The README's quick start, compiled and run, so the documentation cannot rot.</summary>
public sealed class QuickStartTests
{
    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ReadmeQuickStart_EchoesHello()
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        var cancellationToken = cts.Token;
        var seen = new List<string>();

        // --- README quick start begins ---
        await using var server = new UdpEchoServer(new UdpEchoServerOptions { Address = IPAddress.Loopback, Port = 0 });
        server.MessageReceived += (sender, e) => seen.Add($"{e.RemoteEndPoint} sent {e.Payload.Length} bytes");
        await server.StartAsync(cancellationToken);
        IPEndPoint bound = server.LocalEndPoint!;          // the real port when 0 was asked for

        await using var client = new UdpEchoClient(new UdpEchoClientOptions
        {
            RemoteEndPoint = bound, Timeout = TimeSpan.FromSeconds(1), Retries = 2,
        });
        UdpEchoReply reply = await client.SendAndReceiveAsync("hello"u8.ToArray(), cancellationToken);
        await server.StopAsync();
        // --- README quick start ends ---

        Assert.Equal("hello", Encoding.UTF8.GetString(reply.Payload.Span));
        Assert.NotEqual(0, bound.Port);
        Assert.Equal(1, reply.Attempts);
        Assert.Equal(bound, reply.RemoteEndPoint);
        Assert.True(reply.RoundTripTime > TimeSpan.Zero);
        Assert.Equal([$"{client.LocalEndPoint} sent 5 bytes"], seen);
        Assert.False(server.IsRunning);
    }
}
