using System.Net;
using Microsoft.Extensions.Time.Testing;
using UdpEcho.Tests.Diagnostics;
using UdpEcho.Tests.Infrastructure;

namespace UdpEcho.Tests.Server;

/// <summary>
/// Loss, delay, duplicates, reordering and graceful shutdown, on a <see cref="FakeTimeProvider"/>: nothing sleeps, and
/// a delayed echo leaves exactly when the fake clock reaches its due time. Loopback delivery is synchronous, so an echo
/// sent inside <see cref="FakeTimeProvider.Advance"/> is waiting in the client's socket when Advance returns.
/// </summary>
public abstract class UdpEchoServerImpairmentTests(UdpEchoServerEngine engine)
{
    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Echo_Delay_SentExactlyWhenDue()
    {
        var time = new FakeTimeProvider();
        await using var server = await StartAsync(time, new UdpEchoImpairmentOptions { Delay = TimeSpan.FromMilliseconds(50) });
        using var handled = Count(server);
        using var client = new RawUdpSocket();

        await client.SendAsync(new byte[] { 1 }, server.Target());
        await handled.WaitAsync(TestTimeouts.Await);
        time.Advance(TimeSpan.FromMilliseconds(49));
        var early = client.Socket.Available;
        time.Advance(TimeSpan.FromMilliseconds(1));
        var reply = await client.ReceiveAsync();

        Assert.Equal(0, early);
        Assert.Equal(new byte[] { 1 }, reply.Payload);
        await server.StopAsync().WaitAsync(TestTimeouts.Await); // an echo can arrive before its sender counts it
        Assert.Equal(1, server.GetStatistics().DatagramsEchoed);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Echo_LossWithSeed_FractionNearProbabilityAndRepeatable()
    {
        var lost = new long[2];
        for (var run = 0; run < 2; run++)
        {
            await using var server = await StartAsync(new FakeTimeProvider(), new UdpEchoImpairmentOptions { LossProbability = 0.3, Seed = 42 });
            using var handled = Count(server);
            using var client = new RawUdpSocket();
            for (var batch = 0; batch < 10; batch++)
            {
                // In batches, so that the server's receive buffer never overflows (that would be loss of another kind).
                for (var i = 0; i < 100; i++)
                {
                    await client.SendAsync(new byte[] { (byte)i }, server.Target());
                }

                for (var i = 0; i < 100; i++)
                {
                    await handled.WaitAsync(TestTimeouts.Await);
                }
            }

            var statistics = server.GetStatistics();
            Assert.Equal(1000, statistics.DatagramsEchoed + statistics.DroppedByImpairment);
            Assert.InRange(statistics.DroppedByImpairment, 240, 360);
            lost[run] = statistics.DroppedByImpairment;
        }

        Assert.Equal(lost[0], lost[1]);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Echo_DuplicateProbabilityOne_EveryEchoArrivesTwice()
    {
        await using var server = await StartAsync(new FakeTimeProvider(), new UdpEchoImpairmentOptions { DuplicateProbability = 1 });
        using var client = new RawUdpSocket();

        var first = await client.SendAndReceiveAsync(new byte[] { 3 }, server.Target());
        var second = await client.ReceiveAsync();

        Assert.Equal(new byte[] { 3 }, first.Payload);
        Assert.Equal(new byte[] { 3 }, second.Payload);
        await server.StopAsync().WaitAsync(TestTimeouts.Await); // an echo can arrive before its sender counts it
        Assert.Equal(2, server.GetStatistics().DatagramsEchoed);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Echo_ReorderProbabilityOne_PairsArriveSwapped()
    {
        await using var server = await StartAsync(new FakeTimeProvider(), new UdpEchoImpairmentOptions { ReorderProbability = 1 });
        using var handled = Count(server);
        using var client = new RawUdpSocket();

        var order = new List<byte>();
        for (byte i = 1; i <= 4; i++)
        {
            await client.SendAsync(new[] { i }, server.Target());
            Assert.True(await handled.WaitAsync(TestTimeouts.Await), $"datagram {i} not handled; {server.GetStatistics().DatagramsReceived} received, {server.GetStatistics().DatagramsEchoed} echoed");
        }

        for (var i = 0; i < 4; i++)
        {
            order.Add((await client.ReceiveAsync()).Payload[0]);
        }

        Assert.Equal(new byte[] { 2, 1, 4, 3 }, order);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Echo_ReorderedWithNoNextEcho_SentAfterHoldLimit()
    {
        var time = new FakeTimeProvider();
        await using var server = await StartAsync(time, new UdpEchoImpairmentOptions { ReorderProbability = 1 });
        using var handled = Count(server);
        using var client = new RawUdpSocket();

        await client.SendAsync(new byte[] { 8 }, server.Target());
        await handled.WaitAsync(TestTimeouts.Await);
        var early = client.Socket.Available;
        time.Advance(TimeSpan.FromMilliseconds(10));

        Assert.Equal(0, early);
        Assert.Equal(new byte[] { 8 }, (await client.ReceiveAsync()).Payload);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StopAsync_DelayedEchoesQueued_SendsThemBeforeReturning()
    {
        var time = new FakeTimeProvider();
        var server = await StartAsync(time, new UdpEchoImpairmentOptions { Delay = TimeSpan.FromMilliseconds(100) });
        using var handled = Count(server);
        using var client = new RawUdpSocket();
        for (byte i = 0; i < 3; i++)
        {
            await client.SendAsync(new[] { i }, server.Target());
            await handled.WaitAsync(TestTimeouts.Await);
        }

        var stop = server.StopAsync();
        var waited = !stop.IsCompleted;
        time.Advance(TimeSpan.FromMilliseconds(100));
        await stop.WaitAsync(TestTimeouts.Await);

        Assert.True(waited);
        for (byte i = 0; i < 3; i++)
        {
            Assert.Equal(new[] { i }, (await client.ReceiveAsync()).Payload);
        }

        var statistics = server.GetStatistics();
        Assert.Equal(3, statistics.DatagramsEchoed);
        Assert.Equal(0, statistics.DroppedAtShutdown);
        await server.DisposeAsync();
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StopAsync_DelayBeyondShutdownTimeout_DropsCountsAndLogsTheRest()
    {
        var time = new FakeTimeProvider();
        var logs = new CapturingLoggerFactory();
        using var metrics = new MetricsCollector();
        await using var server = new UdpEchoServer(
            new UdpEchoServerOptions { Engine = engine, TimeProvider = time, ShutdownTimeout = TimeSpan.FromSeconds(1), Impairment = { Delay = TimeSpan.FromSeconds(10) } },
            logs,
            metrics);
        await server.StartAsync().WaitAsync(TestTimeouts.Await);
        using var handled = Count(server);
        using var client = new RawUdpSocket();
        await client.SendAsync(new byte[] { 1 }, server.Target());
        await client.SendAsync(new byte[] { 2 }, server.Target());
        await handled.WaitAsync(TestTimeouts.Await);
        await handled.WaitAsync(TestTimeouts.Await);

        var stop = server.StopAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        await stop.WaitAsync(TestTimeouts.Await);

        var statistics = server.GetStatistics();
        Assert.Equal(2, statistics.DroppedAtShutdown);
        Assert.Equal(2, statistics.DatagramsDropped);
        Assert.Equal(0, statistics.DatagramsEchoed);
        Assert.Equal(0, client.Socket.Available);
        Assert.Contains(logs.Entries, e => e.Id.Id == 113 && e.Message.Contains("2 delayed echoes", StringComparison.Ordinal));
        Assert.Equal(2, metrics.Sum("udpecho.server.dropped", ("udpecho.drop.reason", "shutdown")));
    }

    private async Task<UdpEchoServer> StartAsync(FakeTimeProvider time, UdpEchoImpairmentOptions impairment) =>
        await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, Address = IPAddress.Loopback, TimeProvider = time, Impairment = impairment });

    /// <summary>Released once per datagram the server has handled (the event is raised after the impairment decided).</summary>
    private static SemaphoreSlim Count(UdpEchoServer server)
    {
        var handled = new SemaphoreSlim(0);
        server.MessageReceived += (_, _) => handled.Release();
        return handled;
    }
}

/// <summary>The tests above on the batched engine (Linux <c>recvmmsg</c>/<c>sendmmsg</c>).</summary>
public sealed class UdpEchoServerImpairmentTestsOnBatchedEngine() : UdpEchoServerImpairmentTests(UdpEchoServerEngine.Batched);

/// <summary>The tests above on the portable engine (<c>ReceiveFromAsync</c>/<c>SendToAsync</c>).</summary>
public sealed class UdpEchoServerImpairmentTestsOnPortableEngine() : UdpEchoServerImpairmentTests(UdpEchoServerEngine.Portable);
