using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using UdpEcho.Tests.Diagnostics;
using UdpEcho.Tests.Infrastructure;

namespace UdpEcho.Tests.Server;

/// <summary>
/// The policies on a real socket. A dropped datagram produces nothing to wait for, so each test sends it, then a
/// sentinel from another socket: the server handles datagrams in order, so once the sentinel's echo is back, the
/// drop has been counted.
/// </summary>
public abstract class UdpEchoServerPolicyTests(UdpEchoServerEngine engine)
{
    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("::", "127.0.0.1")]
    [InlineData("::1", "::1")]
    public async Task Echo_FromPrivilegedSourcePort_DroppedCountedAndLoggedOnce(string serverAddress, string clientAddress)
    {
        var logs = new CapturingLoggerFactory();
        using var metrics = new MetricsCollector();
        var bind = IPAddress.Parse(serverAddress);
        await using var server = new UdpEchoServer(new UdpEchoServerOptions { Engine = engine, Address = bind, DualMode = bind.Equals(IPAddress.IPv6Any) }, logs, metrics);
        await server.StartAsync().WaitAsync(TestTimeouts.Await);
        var client = IPAddress.Parse(clientAddress);
        using var attacker = PrivilegedPorts.Bind(client);
        var target = new IPEndPoint(client, server.LocalEndPoint!.Port);

        for (var i = 0; i < 3; i++)
        {
            await attacker.SendToAsync(new byte[] { 7 }, target);
        }

        await SentinelAsync(target);

        await server.StopAsync().WaitAsync(TestTimeouts.Await); // counts are complete once the loop has ended

        var statistics = server.GetStatistics();
        Assert.Equal(3, statistics.DroppedBySourcePort);
        Assert.Equal(3, statistics.DatagramsDropped);
        Assert.Equal(1, statistics.DatagramsEchoed);
        Assert.Equal(0, attacker.Available);
        var logged = Assert.Single(logs.Entries, e => e.Id.Id == 108);
        Assert.Equal(LogLevel.Warning, logged.Level);
        Assert.Contains($"source port {((IPEndPoint)attacker.LocalEndPoint!).Port}", logged.Message, StringComparison.Ordinal);
        Assert.Equal(3, metrics.Sum("udpecho.server.dropped", ("udpecho.drop.reason", "source_port")));
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Echo_AllowedSourcePort_Echoed()
    {
        using var attacker = PrivilegedPorts.Bind(IPAddress.Loopback);
        var options = new UdpEchoServerOptions { Engine = engine };
        options.AllowedSourcePorts.Add(((IPEndPoint)attacker.LocalEndPoint!).Port);
        await using var server = await ServerTesting.StartServerAsync(options);

        await attacker.SendToAsync(new byte[] { 19 }, server.Target());
        var buffer = new byte[16];
        var received = await attacker.ReceiveAsync(buffer).WaitAsync(TestTimeouts.Await);

        Assert.Equal(1, received);
        Assert.Equal(0, server.GetStatistics().DatagramsDropped);
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData("127.0.0.1")]
    [InlineData("::")]
    public async Task Echo_AllowList_OnlyListedSourceEchoedOnEitherSocketKind(string serverAddress)
    {
        var bind = IPAddress.Parse(serverAddress);
        var options = new UdpEchoServerOptions { Engine = engine, Address = bind, DualMode = bind.Equals(IPAddress.IPv6Any) };
        options.AllowedSources.Add(IPNetwork.Parse("127.0.0.2/32"));
        await using var server = await ServerTesting.StartServerAsync(options);
        using var stranger = new RawUdpSocket(IPAddress.Loopback);
        using var friend = new RawUdpSocket(IPAddress.Parse("127.0.0.2"));

        await stranger.SendAsync(new byte[] { 1 }, server.Target());
        var reply = await friend.SendAndReceiveAsync(new byte[] { 2 }, server.Target());

        Assert.Equal(new byte[] { 2 }, reply.Payload);
        Assert.Equal(0, stranger.Socket.Available);
        await server.StopAsync().WaitAsync(TestTimeouts.Await); // an echo can arrive before its sender counts it
        var statistics = server.GetStatistics();
        Assert.Equal(1, statistics.DroppedNotAllowed);
        Assert.Equal(1, statistics.DatagramsEchoed);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Echo_LoopbackSourceToServerOnLoopback_Echoed()
    {
        // The default (loopback) server must keep serving its own machine: loopback sources arrive on loopback.
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine });
        using var client = new RawUdpSocket(IPAddress.Parse("127.3.4.5"));

        var reply = await client.SendAndReceiveAsync(new byte[] { 5 }, server.Target());

        Assert.Equal(new byte[] { 5 }, reply.Payload);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Echo_RateLimitPerSource_DropsBeyondBurstCountsAndLogsOncePerInterval()
    {
        var time = new FakeTimeProvider();
        var logs = new CapturingLoggerFactory();
        await using var server = new UdpEchoServer(
            new UdpEchoServerOptions { Engine = engine, RateLimitPerSource = 1, RateLimitBurst = 2, TimeProvider = time }, logs);
        await server.StartAsync().WaitAsync(TestTimeouts.Await);
        using var flooder = new RawUdpSocket(IPAddress.Loopback);

        for (var i = 0; i < 5; i++)
        {
            await flooder.SendAsync(new byte[] { (byte)i }, server.Target());
        }

        await SentinelAsync(server.Target(), from: IPAddress.Parse("127.0.0.2"));
        var first = (await flooder.ReceiveAsync()).Payload;
        var second = (await flooder.ReceiveAsync()).Payload;
        Assert.Equal(0, flooder.Socket.Available);
        Assert.Equal(new byte[] { 0 }, first);
        Assert.Equal(new byte[] { 1 }, second);
        Assert.Equal(3, server.GetStatistics().DroppedByRateLimit);
        Assert.Single(logs.Entries, e => e.Id.Id == 111);

        // Five seconds on, the bucket has refilled and the throttle lets the next drop's line through with a count.
        time.Advance(TimeSpan.FromSeconds(5));
        for (var i = 0; i < 3; i++)
        {
            await flooder.SendAsync(new byte[] { 9 }, server.Target());
        }

        await SentinelAsync(server.Target(), from: IPAddress.Parse("127.0.0.2"));
        Assert.Equal(4, server.GetStatistics().DroppedByRateLimit);
        var lines = logs.Entries.Where(e => e.Id.Id == 111).ToArray();
        Assert.Equal(2, lines.Length);
        Assert.Contains("(2 similar drops not logged)", lines[1].Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Echo_GlobalRateLimit_CapsAllSources()
    {
        var time = new FakeTimeProvider();
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, GlobalRateLimit = 3, TimeProvider = time });
        var sockets = Enumerable.Range(1, 5).Select(i => new RawUdpSocket(IPAddress.Parse($"127.0.0.{i + 10}"))).ToArray();
        try
        {
            foreach (var socket in sockets)
            {
                await socket.SendAsync(new byte[] { 1 }, server.Target());
            }

            // Every token is spent: the sentinel would be dropped too, so wait for the counters instead.
            await WaitForAsync(() => server.GetStatistics().DatagramsReceived == 5);

            var statistics = server.GetStatistics();
            Assert.Equal(3, statistics.DatagramsEchoed);
            Assert.Equal(2, statistics.DroppedByRateLimit);
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    /// <summary>Echoes one datagram from a fresh socket; when it returns, every datagram sent before it has been handled.</summary>
    private static async Task SentinelAsync(IPEndPoint target, IPAddress? from = null)
    {
        using var sentinel = new RawUdpSocket(from ?? (target.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback));
        var reply = await sentinel.SendAndReceiveAsync("sentinel"u8.ToArray(), target);
        Assert.Equal("sentinel"u8.ToArray(), reply.Payload);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        while (!condition())
        {
            await Task.Delay(5, cts.Token);
        }
    }
}

/// <summary>The tests above on the batched engine (Linux <c>recvmmsg</c>/<c>sendmmsg</c>).</summary>
public sealed class UdpEchoServerPolicyTestsOnBatchedEngine() : UdpEchoServerPolicyTests(UdpEchoServerEngine.Batched);

/// <summary>The tests above on the portable engine (<c>ReceiveFromAsync</c>/<c>SendToAsync</c>).</summary>
public sealed class UdpEchoServerPolicyTestsOnPortableEngine() : UdpEchoServerPolicyTests(UdpEchoServerEngine.Portable);
