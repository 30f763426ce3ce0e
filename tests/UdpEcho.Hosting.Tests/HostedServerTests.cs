using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace UdpEcho.Hosting.Tests;

/// <summary>The server's life inside a real host: started with it, echoing, stopped with it, disposed with it.</summary>
public sealed class HostedServerTests
{
    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task StartAsync_StartsServer_WhichEchoesToAClientFromDi(string address)
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        using var host = TestHost.Create(builder => builder.Services.AddUdpEchoServer(options =>
        {
            options.Address = IPAddress.Parse(address);
            options.Port = 0;
        }));

        await host.StartAsync(cts.Token);
        var server = host.Services.GetRequiredService<IUdpEchoServer>();
        await using var clientServices = TestHost.ClientFor(server.LocalEndPoint!);
        var client = clientServices.GetRequiredService<IUdpEchoClient>();
        var reply = await client.SendAndReceiveAsync("hello", cts.Token);

        Assert.True(server.IsRunning);
        Assert.Equal(IPAddress.Parse(address), server.LocalEndPoint!.Address);
        Assert.NotEqual(0, server.LocalEndPoint.Port);
        Assert.Equal("hello", Encoding.UTF8.GetString(reply.Payload.Span));
        await host.StopAsync(cts.Token); // an echo can arrive before its sender counts it; stopping settles the counts
        Assert.Equal(1, server.GetStatistics().DatagramsEchoed);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StopAsync_StopsServer_AndFreesThePort()
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        using var host = TestHost.Create(builder => builder.Services.AddUdpEchoServer());
        await host.StartAsync(cts.Token);
        var server = host.Services.GetRequiredService<IUdpEchoServer>();
        var bound = server.LocalEndPoint!;

        await host.StopAsync(cts.Token);

        Assert.False(server.IsRunning);
        Assert.Null(server.LocalEndPoint);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(bound);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StopAsync_PassesTheHostsTokenToTheServer()
    {
        var server = new RecordingServer();
        using var host = TestHost.Create(builder => builder.Services.AddSingleton<IUdpEchoServer>(server).AddUdpEchoServer());
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        await host.StartAsync(cts.Token);
        using var stopping = new CancellationTokenSource();
        await stopping.CancelAsync();

        await host.StopAsync(stopping.Token);

        Assert.Equal(["StartAsync", "StopAsync"], server.Calls);
        Assert.True(server.StopToken.IsCancellationRequested);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Dispose_DisposesTheServer()
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        var host = TestHost.Create(builder => builder.Services.AddUdpEchoServer());
        await host.StartAsync(cts.Token);
        var server = host.Services.GetRequiredService<IUdpEchoServer>();
        await host.StopAsync(cts.Token);

        host.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => server.StartAsync(cts.Token));
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StartAsync_PortInUse_FailsNamingTheEndpoint()
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var taken = (IPEndPoint)squatter.LocalEndPoint!;
        using var host = TestHost.Create(builder => builder.Services.AddUdpEchoServer(options => options.Port = taken.Port));

        var error = await Assert.ThrowsAsync<UdpEchoException>(() => host.StartAsync(cts.Token));

        Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);
        Assert.Contains(taken.ToString(), error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StartAsync_LogsThroughTheContainersLoggerFactory()
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        var logs = new CapturingLoggerProvider();
        using var host = TestHost.Create(builder =>
        {
            builder.Logging.AddProvider(logs);
            builder.Services.AddUdpEchoServer();
        });

        await host.StartAsync(cts.Token);
        var bound = host.Services.GetRequiredService<IUdpEchoServer>().LocalEndPoint!;
        await host.StopAsync(cts.Token);

        var started = Assert.Single(logs.Entries, e => e.Category == typeof(UdpEchoServer).FullName && e.Id.Name == "ServerStarted");
        Assert.Contains(bound.ToString(), started.Message, StringComparison.Ordinal);
        Assert.Single(logs.Entries, e => e.Category == typeof(UdpEchoServer).FullName && e.Id.Name == "ServerStopped");
    }
}
