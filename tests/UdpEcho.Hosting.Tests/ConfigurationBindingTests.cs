using System.Net;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace UdpEcho.Hosting.Tests;

/// <summary>Every appsettings key of <c>UdpEcho:Server</c> and <c>UdpEcho:Client</c>, read from an in-memory configuration.</summary>
public sealed class ConfigurationBindingTests
{
    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData("0.0.0.0", false)]
    [InlineData("127.0.0.1", false)]
    [InlineData("::", true)]
    [InlineData("::1", false)]
    [InlineData(" ::1 ", false)]
    public async Task AddUdpEchoServer_Configuration_ReadsEveryKey(string address, bool dualMode)
    {
        using var host = ServerHost(
            ("UdpEcho:Server:Address", address),
            ("UdpEcho:Server:Port", "7007"),
            ("UdpEcho:Server:DualMode", dualMode ? "true" : "false"),
            ("UdpEcho:Server:MaxDatagramSize", "1472"),
            ("UdpEcho:Server:ReceiveBufferSize", "1048576"),
            ("UdpEcho:Server:SendBufferSize", "262144"),
            ("UdpEcho:Server:Engine", "Portable"),
            ("UdpEcho:Server:ReceiveLoops", "2"));

        var options = host.Services.GetRequiredService<IOptions<UdpEchoServerOptions>>().Value;

        Assert.Equal(IPAddress.Parse(address.Trim()), options.Address);
        Assert.Equal(7007, options.Port);
        Assert.Equal(dualMode, options.DualMode);
        Assert.Equal(1472, options.MaxDatagramSize);
        Assert.Equal(1048576, options.ReceiveBufferSize);
        Assert.Equal(262144, options.SendBufferSize);
        Assert.Equal(UdpEchoServerEngine.Portable, options.Engine);
        Assert.Equal(2, options.ReceiveLoops);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task AddUdpEchoServer_Configuration_ReadsPolicyImpairmentAndShutdownKeys()
    {
        using var host = ServerHost(
            ("UdpEcho:Server:FilterSourcePorts", "false"),
            ("UdpEcho:Server:AllowedSourcePorts:0", "7"),
            ("UdpEcho:Server:AllowedSourcePorts:1", "19"),
            ("UdpEcho:Server:FilterSourceAddresses", "false"),
            ("UdpEcho:Server:AllowedSources:0", "10.0.0.0/8"),
            ("UdpEcho:Server:AllowedSources:1", "2001:db8::/32"),
            ("UdpEcho:Server:RateLimitPerSource", "100.5"),
            ("UdpEcho:Server:RateLimitBurst", "200"),
            ("UdpEcho:Server:GlobalRateLimit", "10000"),
            ("UdpEcho:Server:RateLimitMaxSources", "4096"),
            ("UdpEcho:Server:ShutdownTimeout", "00:00:02"),
            ("UdpEcho:Server:Impairment:LossProbability", "0.1"),
            ("UdpEcho:Server:Impairment:Delay", "00:00:00.005"),
            ("UdpEcho:Server:Impairment:Jitter", "00:00:00.001"),
            ("UdpEcho:Server:Impairment:DuplicateProbability", "0.01"),
            ("UdpEcho:Server:Impairment:ReorderProbability", "0.02"),
            ("UdpEcho:Server:Impairment:Seed", "42"));

        var options = host.Services.GetRequiredService<IOptions<UdpEchoServerOptions>>().Value;

        Assert.False(options.FilterSourcePorts);
        Assert.Equal([7, 19], options.AllowedSourcePorts);
        Assert.False(options.FilterSourceAddresses);
        Assert.Equal([IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("2001:db8::/32")], options.AllowedSources);
        Assert.Equal(100.5, options.RateLimitPerSource);
        Assert.Equal(200, options.RateLimitBurst);
        Assert.Equal(10000, options.GlobalRateLimit);
        Assert.Equal(4096, options.RateLimitMaxSources);
        Assert.Equal(TimeSpan.FromSeconds(2), options.ShutdownTimeout);
        Assert.Equal(0.1, options.Impairment.LossProbability);
        Assert.Equal(TimeSpan.FromMilliseconds(5), options.Impairment.Delay);
        Assert.Equal(TimeSpan.FromMilliseconds(1), options.Impairment.Jitter);
        Assert.Equal(0.01, options.Impairment.DuplicateProbability);
        Assert.Equal(0.02, options.Impairment.ReorderProbability);
        Assert.Equal(42, options.Impairment.Seed);
        await Task.CompletedTask;
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData("10.0.0.1/8")]
    [InlineData("nope")]
    [InlineData("10.0.0.0/33")]
    public async Task AddUdpEchoServer_BadAllowedSource_FailsAtStartNamingKeyAndValue(string network)
    {
        using var host = ServerHost(("UdpEcho:Server:AllowedSources:0", network));

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        Assert.Contains("AllowedSources", error.Message, StringComparison.Ordinal);
        Assert.Contains(network, error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task AddUdpEchoServer_EmptyConfiguration_KeepsTheDefaults()
    {
        using var host = ServerHost(("UdpEcho:Server:Address", ""));

        var options = host.Services.GetRequiredService<IOptions<UdpEchoServerOptions>>().Value;

        Assert.Equal(IPAddress.Loopback, options.Address);
        Assert.Equal(0, options.Port);
        Assert.Null(options.ReceiveBufferSize);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task AddUdpEchoServer_ConfiguredIPv6Address_ServerBindsIt()
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        using var host = ServerHost(("UdpEcho:Server:Address", "::1"), ("UdpEcho:Server:Port", "0"));

        await host.StartAsync(cts.Token);
        var bound = host.Services.GetRequiredService<IUdpEchoServer>().LocalEndPoint!;
        await host.StopAsync(cts.Token);

        Assert.Equal(IPAddress.IPv6Loopback, bound.Address);
    }

    public static TheoryData<string, EndPoint> RemoteEndPoints => new()
    {
        { "127.0.0.1:7007", new IPEndPoint(IPAddress.Loopback, 7007) },
        { "[::1]:7007", new IPEndPoint(IPAddress.IPv6Loopback, 7007) },
        { "[fe80::1%2]:7", new IPEndPoint(IPAddress.Parse("fe80::1%2"), 7) },
        { "localhost:7007", new DnsEndPoint("localhost", 7007) },
        { "echo.example.com:7", new DnsEndPoint("echo.example.com", 7) },
        { "echo_server:7", new DnsEndPoint("echo_server", 7) },
    };

    [Theory(Timeout = TestTimeouts.Short)]
    [MemberData(nameof(RemoteEndPoints))]
    public async Task AddUdpEchoClient_Configuration_ReadsEveryKey(string remote, EndPoint expected)
    {
        using var host = ClientHost(
            ("UdpEcho:Client:RemoteEndPoint", remote),
            ("UdpEcho:Client:Timeout", "00:00:02.5"),
            ("UdpEcho:Client:Retries", "3"),
            ("UdpEcho:Client:LocalEndPoint", expected.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "[::1]:0" : "127.0.0.1:5000"));

        var options = host.Services.GetRequiredService<IOptions<UdpEchoClientOptions>>().Value;

        Assert.Equal(expected, options.RemoteEndPoint);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), options.Timeout);
        Assert.Equal(3, options.Retries);
        Assert.Equal(
            expected.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Loopback, 0) : new IPEndPoint(IPAddress.Loopback, 5000),
            options.LocalEndPoint);
        await Task.CompletedTask;
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData("0.0.0.0", "0.0.0.0:0")]
    [InlineData("::1", "[::1]:0")]
    [InlineData("[::1]:5000", "[::1]:5000")]
    [InlineData("", null)]
    public async Task AddUdpEchoClient_LocalEndPoint_TakesAnAddressWithOrWithoutPort(string local, string? expected)
    {
        using var host = ClientHost(("UdpEcho:Client:RemoteEndPoint", "localhost:7"), ("UdpEcho:Client:LocalEndPoint", local));

        var options = host.Services.GetRequiredService<IOptions<UdpEchoClientOptions>>().Value;

        Assert.Equal(expected is null ? null : IPEndPoint.Parse(expected), options.LocalEndPoint);
        await Task.CompletedTask;
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData("127.0.0.1", "127.0.0.1:{0}")]
    [InlineData("127.0.0.1", "localhost:{0}")]
    [InlineData("::1", "[::1]:{0}")]
    public async Task AddUdpEchoClient_ConfiguredRemoteEndPoint_ReachesTheHostedServer(string serverAddress, string remoteFormat)
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        using var serverHost = ServerHost(("UdpEcho:Server:Address", serverAddress));
        await serverHost.StartAsync(cts.Token);
        var port = serverHost.Services.GetRequiredService<IUdpEchoServer>().LocalEndPoint!.Port;
        using var clientHost = ClientHost(
            ("UdpEcho:Client:RemoteEndPoint", string.Format(System.Globalization.CultureInfo.InvariantCulture, remoteFormat, port)),
            ("UdpEcho:Client:Timeout", TestTimeouts.Echo.ToString("c", System.Globalization.CultureInfo.InvariantCulture)));
        await clientHost.StartAsync(cts.Token);

        var reply = await clientHost.Services.GetRequiredService<IUdpEchoClient>().SendAndReceiveAsync("configured", cts.Token);

        Assert.Equal("configured", Encoding.UTF8.GetString(reply.Payload.Span));
        Assert.Equal(IPAddress.Parse(serverAddress), reply.RemoteEndPoint.Address);
        await clientHost.StopAsync(cts.Token);
        await serverHost.StopAsync(cts.Token);
    }

    private static IHost ServerHost(params (string Key, string Value)[] settings) =>
        TestHost.Create(Settings(settings), (configuration, services) => services.AddUdpEchoServer(configuration.GetSection("UdpEcho:Server")));

    private static IHost ClientHost(params (string Key, string Value)[] settings) =>
        TestHost.Create(Settings(settings), (configuration, services) => services.AddUdpEchoClient(configuration.GetSection("UdpEcho:Client")));

    private static IEnumerable<KeyValuePair<string, string?>> Settings((string Key, string Value)[] settings) =>
        settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value));
}
