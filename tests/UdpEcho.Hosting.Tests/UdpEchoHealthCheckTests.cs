using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace UdpEcho.Hosting.Tests;

/// <summary>The UDP echo health check, run by the framework's own <see cref="HealthCheckService"/> against real sockets on loopback.</summary>
public sealed class UdpEchoHealthCheckTests
{
    [Fact(Timeout = TestTimeouts.Short)]
    public async Task CheckHealthAsync_FourEndPoints_HealthyDegradedUnhealthyUnhealthy()
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        await using var live = await StartServerAsync(TimeSpan.Zero, cts.Token);
        await using var slow = await StartServerAsync(TimeSpan.FromMilliseconds(30), cts.Token);
        var nothing = UnusedPort();
        using var liar = new ScriptedEchoPeer((_, datagram) => [.. datagram.AsEnumerable().Reverse(), 0]);

        var report = await CheckAsync(
            checks => checks
                .AddUdpEcho(o => { o.RemoteEndPoint = live.LocalEndPoint; o.Timeout = TestTimeouts.Echo; }, "live")
                .AddUdpEcho(o => { o.RemoteEndPoint = slow.LocalEndPoint; o.Timeout = TestTimeouts.Echo; o.DegradedRoundTripTime = TimeSpan.FromMilliseconds(5); }, "slow")
                .AddUdpEcho(o => { o.RemoteEndPoint = nothing; o.Timeout = TestTimeouts.Echo; }, "nothing")
                .AddUdpEcho(o => { o.RemoteEndPoint = liar.EndPoint; o.Timeout = TimeSpan.FromMilliseconds(300); }, "liar"),
            cts.Token);

        Assert.Equal(HealthStatus.Healthy, report.Entries["live"].Status);
        Assert.Equal(HealthStatus.Degraded, report.Entries["slow"].Status);
        Assert.Equal(HealthStatus.Unhealthy, report.Entries["nothing"].Status);
        Assert.Equal(HealthStatus.Unhealthy, report.Entries["liar"].Status);
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task CheckHealthAsync_LiveServer_DataHoldsCountsLossAndRoundTrips()
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        await using var live = await StartServerAsync(TimeSpan.Zero, cts.Token);

        var entry = await CheckOneAsync(o => { o.RemoteEndPoint = live.LocalEndPoint; o.Timeout = TestTimeouts.Echo; o.Count = 5; }, cts.Token);

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal(5, entry.Data["sent"]);
        Assert.Equal(5, entry.Data["received"]);
        Assert.Equal(0.0, entry.Data["lossPercent"]);
        var p50 = Assert.IsType<double>(entry.Data["roundTripP50Ms"]);
        var max = Assert.IsType<double>(entry.Data["roundTripMaxMs"]);
        Assert.InRange(p50, double.Epsilon, max);
        Assert.Equal(live.LocalEndPoint!.ToString(), entry.Data["endpoint"]);
        Assert.StartsWith($"5 of 5 echoes from {live.LocalEndPoint}, round trip p50 ", entry.Description, StringComparison.Ordinal);
        Assert.Equal(5, live.GetStatistics().DatagramsReceived);
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(0, HealthStatus.Unhealthy)]
    [InlineData(33, HealthStatus.Unhealthy)]
    [InlineData(34, HealthStatus.Healthy)]
    public async Task CheckHealthAsync_OneEchoInThreeLost_FailsAboveMaxLossPercent(double maxLossPercent, HealthStatus expected)
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        using var lossy = new ScriptedEchoPeer((n, datagram) => n == 0 ? null : datagram);

        var entry = await CheckOneAsync(o => { o.RemoteEndPoint = lossy.EndPoint; o.Timeout = TimeSpan.FromMilliseconds(500); o.MaxLossPercent = maxLossPercent; }, cts.Token);

        Assert.Equal(expected, entry.Status);
        Assert.Equal(3, entry.Data["sent"]);
        Assert.Equal(2, entry.Data["received"]);
        Assert.Equal(100.0 / 3, (double)entry.Data["lossPercent"], 6);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task CheckHealthAsync_WrongBytes_AreNotAnswers()
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        using var liar = new ScriptedEchoPeer((_, datagram) => datagram.Length > 1 ? datagram[1..] : [1]);

        var entry = await CheckOneAsync(o => { o.RemoteEndPoint = liar.EndPoint; o.Timeout = TimeSpan.FromMilliseconds(300); }, cts.Token);

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Equal(0, entry.Data["received"]);
        Assert.Equal(100.0, entry.Data["lossPercent"]);
        Assert.False(entry.Data.ContainsKey("roundTripP50Ms"));
        Assert.StartsWith($"0 of 3 echoes from {liar.EndPoint}: ", entry.Description, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task CheckHealthAsync_NothingListens_ReportsTheRegisteredFailureStatus()
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);

        var report = await CheckAsync(checks => checks.AddUdpEcho(o => o.RemoteEndPoint = UnusedPort(), failureStatus: HealthStatus.Degraded, tags: ["ready"]), cts.Token);

        var entry = report.Entries["udpecho"];
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal(["ready"], entry.Tags);
        Assert.Null(entry.Exception);
    }

    public static TheoryData<Action<UdpEchoHealthCheckOptions>, string> InvalidOptions => new()
    {
        { _ => { }, "UdpEchoHealthCheckOptions.RemoteEndPoint must be set to the echo server's endpoint." },
        { o => o.RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, 0), "UdpEchoHealthCheckOptions.RemoteEndPoint must be an IPv4 or IPv6 endpoint, or a host name, with a port from 1 to 65535; it was 127.0.0.1:0." },
        { o => { o.RemoteEndPoint = Loopback7; o.Count = 0; }, "UdpEchoHealthCheckOptions.Count must be from 1 to 1000; it was 0." },
        { o => { o.RemoteEndPoint = Loopback7; o.Timeout = TimeSpan.Zero; }, "UdpEchoHealthCheckOptions.Timeout must be positive and at most 1 minute; it was 00:00:00." },
        { o => { o.RemoteEndPoint = Loopback7; o.DegradedRoundTripTime = TimeSpan.FromMilliseconds(-1); }, "UdpEchoHealthCheckOptions.DegradedRoundTripTime must be positive when set; it was -00:00:00.0010000." },
        { o => { o.RemoteEndPoint = Loopback7; o.MaxLossPercent = 101; }, "UdpEchoHealthCheckOptions.MaxLossPercent must be from 0 to 100; it was 101." },
        { o => { o.RemoteEndPoint = Loopback7; o.MaxLossPercent = double.NaN; }, "UdpEchoHealthCheckOptions.MaxLossPercent must be from 0 to 100; it was NaN." },
    };

    [Theory(Timeout = TestTimeouts.Short)]
    [MemberData(nameof(InvalidOptions))]
    public async Task AddUdpEcho_InvalidOption_ThrowsNamingIt(Action<UdpEchoHealthCheckOptions> configure, string message)
    {
        var checks = new ServiceCollection().AddHealthChecks();

        var error = Assert.ThrowsAny<ArgumentException>(() => checks.AddUdpEcho(configure));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    private static readonly IPEndPoint Loopback7 = new(IPAddress.Loopback, 7);

    private static async Task<UdpEchoServer> StartServerAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        var server = new UdpEchoServer(new UdpEchoServerOptions { Impairment = { Delay = delay } });
        await server.StartAsync(cancellationToken);
        return server;
    }

    // A port something listened on a moment ago: the kernel answers datagrams to it with ICMP port unreachable.
    private static IPEndPoint UnusedPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)socket.LocalEndPoint!;
    }

    private static async Task<HealthReport> CheckAsync(Action<IHealthChecksBuilder> register, CancellationToken cancellationToken)
    {
        var services = new ServiceCollection().AddLogging();
        register(services.AddHealthChecks());
        await using var provider = services.BuildServiceProvider();
        return await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(cancellationToken);
    }

    private static async Task<HealthReportEntry> CheckOneAsync(Action<UdpEchoHealthCheckOptions> configure, CancellationToken cancellationToken) =>
        (await CheckAsync(checks => checks.AddUdpEcho(configure), cancellationToken)).Entries["udpecho"];
}
