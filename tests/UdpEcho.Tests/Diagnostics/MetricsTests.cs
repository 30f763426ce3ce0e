using System.Net;
using System.Net.Sockets;
using UdpEcho.Tests.Client;

namespace UdpEcho.Tests.Diagnostics;

public sealed class MetricsTests
{
    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Server_CountsDatagramsBytesAndDrops_WithNetworkTags()
    {
        using var metrics = new MetricsCollector();
        await using var server = new UdpEchoServer(new UdpEchoServerOptions { MaxDatagramSize = 10 }, null, metrics);
        await server.StartAsync();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(server.LocalEndPoint!);

        await socket.SendAsync(new byte[11]); // too large: dropped
        foreach (var size in new[] { 0, 3, 10 })
        {
            await socket.SendAsync(new byte[size]);
            await socket.ReceiveAsync(new byte[64], SocketFlags.None).WaitAsync(TestTimeouts.Await);
        }

        await server.StopAsync();

        var ipv4 = ("network.type", "ipv4");
        var udp = ("network.transport", "udp");
        Assert.Equal(4, metrics.Sum("udpecho.server.datagrams", ("network.io.direction", "receive"), ipv4, udp));
        Assert.Equal(3, metrics.Sum("udpecho.server.datagrams", ("network.io.direction", "transmit"), ipv4, udp));
        Assert.Equal(13, metrics.Sum("udpecho.server.bytes", ("network.io.direction", "receive"))); // the oversized one adds no bytes
        Assert.Equal(13, metrics.Sum("udpecho.server.bytes", ("network.io.direction", "transmit")));
        Assert.Equal(1, metrics.Sum("udpecho.server.dropped", ("udpecho.drop.reason", "too_large"), ipv4, udp));
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Server_DualMode_TagsEachDatagramWithItsOwnIpVersion()
    {
        using var metrics = new MetricsCollector();
        await using var server = new UdpEchoServer(new UdpEchoServerOptions { Address = IPAddress.IPv6Any, DualMode = true }, null, metrics);
        await server.StartAsync();
        var port = server.LocalEndPoint!.Port;

        foreach (var (family, address) in new[] { (AddressFamily.InterNetwork, IPAddress.Loopback), (AddressFamily.InterNetworkV6, IPAddress.IPv6Loopback) })
        {
            using var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
            socket.Connect(new IPEndPoint(address, port));
            await socket.SendAsync("x"u8.ToArray());
            await socket.ReceiveAsync(new byte[8], SocketFlags.None).WaitAsync(TestTimeouts.Await);
        }

        await server.StopAsync();

        Assert.Equal(1, metrics.Sum("udpecho.server.datagrams", ("network.io.direction", "receive"), ("network.type", "ipv4")));
        Assert.Equal(1, metrics.Sum("udpecho.server.datagrams", ("network.io.direction", "receive"), ("network.type", "ipv6")));
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Server_ReceiveError_IsCountedWithoutAnIpVersion()
    {
        // A loopback receive cannot be made to fail on demand, so this drives the loops' reporter directly. A failed
        // receive brings no datagram: tagging it with the version of whoever sent last would be a guess.
        using var metrics = new MetricsCollector();
        var reporter = new UdpEcho.Diagnostics.ServerReporter(new UdpEcho.Diagnostics.CounterBlock(), new UdpEcho.Diagnostics.ServerDiagnostics(
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, UdpEcho.Diagnostics.UdpEchoMetrics.Create(metrics), TimeProvider.System));

        reporter.ReceiveFailed(SocketError.ConnectionReset);

        var error = Assert.Single(metrics.Of("udpecho.server.errors"));
        Assert.Equal(1, error.Value);
        Assert.Equal("receive", error.Tags["error.type"]);
        Assert.Equal("udp", error.Tags["network.transport"]);
        Assert.False(error.Tags.ContainsKey("network.type"));
        Assert.Equal(1, reporter.Counters.Read(UdpEcho.Diagnostics.ServerCounter.ReceiveErrors));
        await Task.CompletedTask; // async only so that xunit enforces the timeout
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Server_SendError_IsCountedWhenOnlyTheErrorsCounterIsListenedTo()
    {
        using var metrics = new MetricsCollector(only: "udpecho.server.errors");
        var reporter = new UdpEcho.Diagnostics.ServerReporter(new UdpEcho.Diagnostics.CounterBlock(), new UdpEcho.Diagnostics.ServerDiagnostics(
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, UdpEcho.Diagnostics.UdpEchoMetrics.Create(metrics), TimeProvider.System));
        var remote = new IPEndPoint(IPAddress.IPv6Loopback, 40000).Serialize();

        reporter.SendFailed(remote, 10, SocketError.NoBufferSpaceAvailable);

        var error = Assert.Single(metrics.Measurements);
        Assert.Equal("udpecho.server.errors", error.Instrument);
        Assert.Equal("send", error.Tags["error.type"]);
        Assert.Equal("ipv6", error.Tags["network.type"]);
        Assert.Equal(1, reporter.Counters.Read(UdpEcho.Policy.DropReason.SendFailed));
        await Task.CompletedTask; // async only so that xunit enforces the timeout
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Server_ThrowingSubscriber_CountedAsError()
    {
        using var metrics = new MetricsCollector();
        await using var server = new UdpEchoServer(new UdpEchoServerOptions(), null, metrics);
        server.MessageReceived += (_, _) => throw new InvalidOperationException("bug");
        await server.StartAsync();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(server.LocalEndPoint!);
        await socket.SendAsync("x"u8.ToArray());
        await socket.ReceiveAsync(new byte[8], SocketFlags.None).WaitAsync(TestTimeouts.Await);
        await server.StopAsync();

        Assert.Equal(1, metrics.Sum("udpecho.server.errors", ("error.type", "subscriber")));
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Client_RecordsRoundTripSecondsRetriesTimeoutsAndUnmatched()
    {
        using var metrics = new MetricsCollector();
        var time = new SignallingTimeProvider();
        using var peer = new ScriptedPeer(AddressFamily.InterNetworkV6);
        await using var client = new UdpEchoClient(
            new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, Retries = 1, RetryJitter = 0, TimeProvider = time }, null, metrics);

        var answered = client.SendAndReceiveAsync("rtt").AsTask();
        var (_, from) = await peer.ReceiveAsync();
        await time.WaitForTimerAsync();
        time.Advance(TimeSpan.FromMilliseconds(250));
        await peer.SendAsync("junk"u8.ToArray(), from);
        await peer.SendAsync("rtt"u8.ToArray(), from);
        await answered.WaitAsync(TestTimeouts.Await);

        var lost = client.SendAndReceiveAsync("lost").AsTask();
        await peer.ReceiveAsync();
        await time.WaitForTimerAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        await peer.ReceiveAsync();
        await time.WaitForTimerAsync();
        time.Advance(TimeSpan.FromSeconds(2)); // the retry waits twice as long
        await Assert.ThrowsAsync<TimeoutException>(() => lost.WaitAsync(TestTimeouts.Await));

        var roundTrip = Assert.Single(metrics.Of("udpecho.client.round_trip.duration", ("network.type", "ipv6"), ("network.transport", "udp")));
        Assert.Equal(0.25, roundTrip.Value, precision: 9);
        Assert.Equal(1, metrics.Sum("udpecho.client.retries"));
        Assert.Equal(1, metrics.Sum("udpecho.client.timeouts"));
        Assert.Equal(1, metrics.Sum("udpecho.client.unmatched", ("udpecho.datagram.kind", "unmatched"), ("network.type", "ipv6")));
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Instruments_AreNamedLowercaseDottedUnderUdpechoWithUnits()
    {
        using var metrics = new MetricsCollector();
        await using var server = new UdpEchoServer(new UdpEchoServerOptions(), null, metrics);
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, 9) }, null, metrics);

        Assert.Equal(
            ["udpecho.client.retries", "udpecho.client.round_trip.duration", "udpecho.client.timeouts", "udpecho.client.unmatched",
             "udpecho.server.bytes", "udpecho.server.datagrams", "udpecho.server.dropped", "udpecho.server.errors", "udpecho.server.impairment.lateness"],
            metrics.Instruments.Keys.Order());
        Assert.All(metrics.Instruments.Values, i =>
        {
            Assert.Matches("^udpecho(\\.[a-z_]+)+$", i.Name);
            Assert.False(string.IsNullOrEmpty(i.Unit));
            Assert.False(string.IsNullOrEmpty(i.Description));
            Assert.Equal("UdpEcho", i.Meter.Name);
        });
        Assert.Equal("s", metrics.Instruments["udpecho.client.round_trip.duration"].Unit);
        Assert.Equal("By", metrics.Instruments["udpecho.server.bytes"].Unit);
        Assert.Equal("s", metrics.Instruments["udpecho.server.impairment.lateness"].Unit);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task MeterFactory_SharedByManyServers_InstrumentsCreatedOnce()
    {
        using var metrics = new MetricsCollector();
        await using var first = new UdpEchoServer(new UdpEchoServerOptions(), null, metrics);
        await using var second = new UdpEchoServer(new UdpEchoServerOptions(), null, metrics);
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, 9) }, null, metrics);

        // The factory hands the same Meter to all three; instruments must not be created again for each.
        Assert.Equal(9, metrics.Published);
    }
}
