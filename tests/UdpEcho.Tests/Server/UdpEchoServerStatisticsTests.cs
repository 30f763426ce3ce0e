using UdpEcho.Tests.Infrastructure;

namespace UdpEcho.Tests.Server;

/// <summary>
/// The counters are exact. The echo counters move only after the send returns, so a client can see an echo before
/// the server counted it: every assertion here is made after <see cref="UdpEchoServer.StopAsync"/>, which waits for
/// the receive loop to end and so for every count to land.
/// </summary>
public abstract class UdpEchoServerStatisticsTests(UdpEchoServerEngine engine)
{
    [Fact(Timeout = TestTimeouts.Short)]
    public async Task GetStatistics_NewServer_AllZero()
    {
        await using var server = new UdpEchoServer(new UdpEchoServerOptions { Engine = engine });

        var statistics = server.GetStatistics();

        Assert.Equivalent(new UdpEchoServerStatistics(), statistics, strict: true);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task GetStatistics_AfterEchoesAndStop_CountsEveryDatagramAndByte()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine });
        using var client = new RawUdpSocket();
        var sizes = new[] { 0, 1, 2, 100, 511, 512, 1000, 1472, 4096, 20_000 };
        long bytes = 0;
        for (var i = 0; i < sizes.Length; i++)
        {
            var payload = ServerTesting.RandomPayload(sizes[i], seed: i);
            var reply = await client.SendAndReceiveAsync(payload, server.Target());
            Assert.Equal(payload, reply.Payload);
            bytes += sizes[i];
        }

        await server.StopAsync().WaitAsync(TestTimeouts.Await);
        var statistics = server.GetStatistics();

        Assert.Equal(sizes.Length, statistics.DatagramsReceived);
        Assert.Equal(bytes, statistics.BytesReceived);
        Assert.Equal(sizes.Length, statistics.DatagramsEchoed);
        Assert.Equal(bytes, statistics.BytesEchoed);
        Assert.Equal(0, statistics.DatagramsDropped);
        Assert.Equal(0, statistics.DroppedTooLarge);
        Assert.Equal(0, statistics.SendErrors);
        Assert.Equal(0, statistics.SubscriberErrors);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task GetStatistics_AcrossRestart_KeepsCounting()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine });
        using var client = new RawUdpSocket();
        await client.SendAndReceiveAsync(new byte[10], server.Target());
        await server.StopAsync().WaitAsync(TestTimeouts.Await);
        var afterFirstRun = server.GetStatistics();

        await server.StartAsync().WaitAsync(TestTimeouts.Await);
        await client.SendAndReceiveAsync(new byte[5], server.Target());
        await client.SendAndReceiveAsync(new byte[7], server.Target());
        await server.StopAsync().WaitAsync(TestTimeouts.Await);
        var afterSecondRun = server.GetStatistics();

        Assert.Equal(1, afterFirstRun.DatagramsEchoed);
        Assert.Equal(10, afterFirstRun.BytesEchoed);
        Assert.Equal(3, afterSecondRun.DatagramsReceived);
        Assert.Equal(22, afterSecondRun.BytesReceived);
        Assert.Equal(3, afterSecondRun.DatagramsEchoed);
        Assert.Equal(22, afterSecondRun.BytesEchoed);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task GetStatistics_ReturnsSnapshot_NotLiveView()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine });
        using var client = new RawUdpSocket();
        var before = server.GetStatistics();

        await client.SendAndReceiveAsync(new byte[3], server.Target());
        await server.StopAsync().WaitAsync(TestTimeouts.Await);

        Assert.Equal(0, before.DatagramsReceived);
        Assert.Equal(1, server.GetStatistics().DatagramsReceived);
    }
}

/// <summary>The tests above on the batched engine (Linux <c>recvmmsg</c>/<c>sendmmsg</c>).</summary>
public sealed class UdpEchoServerStatisticsTestsOnBatchedEngine() : UdpEchoServerStatisticsTests(UdpEchoServerEngine.Batched);

/// <summary>The tests above on the portable engine (<c>ReceiveFromAsync</c>/<c>SendToAsync</c>).</summary>
public sealed class UdpEchoServerStatisticsTestsOnPortableEngine() : UdpEchoServerStatisticsTests(UdpEchoServerEngine.Portable);
