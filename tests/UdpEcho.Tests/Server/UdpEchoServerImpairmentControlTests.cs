using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using UdpEcho.Tests.Diagnostics;
using UdpEcho.Tests.Infrastructure;

namespace UdpEcho.Tests.Server;

/// <summary>
/// The impairment simulation a test can trust: changed while it runs, bounded, repeatable with a seed on every loop,
/// honest about its own lateness, and a bandwidth limit that holds.
/// </summary>
public abstract class UdpEchoServerImpairmentControlTests(UdpEchoServerEngine engine)
{
    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SetImpairment_OutageInTheMiddleOfATest_EchoesStopThenResume()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine });
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.Target(), Timeout = TimeSpan.FromMilliseconds(300) });
        await client.SendAndReceiveAsync("before").AsTask().WaitAsync(TestTimeouts.Await);

        server.SetImpairment(new UdpEchoImpairmentOptions { LossProbability = 1 });
        await Assert.ThrowsAsync<TimeoutException>(() => client.SendAndReceiveAsync("during").AsTask().WaitAsync(TestTimeouts.Await));

        server.SetImpairment(new UdpEchoImpairmentOptions());
        await client.SendAndReceiveAsync("after").AsTask().WaitAsync(TestTimeouts.Await);
        Assert.Equal(1, server.GetStatistics().DroppedByImpairment);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SetImpairment_InvalidSettings_ThrowNamingTheSettingAndChangeNothing()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine });

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => server.SetImpairment(new UdpEchoImpairmentOptions { LossProbability = 2 }));

        Assert.Contains("UdpEchoImpairmentOptions.LossProbability", e.Message, StringComparison.Ordinal);
        using var client = new RawUdpSocket();
        Assert.Equal(new byte[] { 1 }, (await client.SendAndReceiveAsync(new byte[] { 1 }, server.Target())).Payload);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task DelayedEcho_FakeClockAdvancedPastTheDueTime_LatenessIsTheOvershoot()
    {
        var time = new FakeTimeProvider();
        using var metrics = new MetricsCollector();
        await using var server = new UdpEchoServer(
            new UdpEchoServerOptions { Engine = engine, TimeProvider = time, ReceiveLoops = 1, Impairment = { Delay = TimeSpan.FromMilliseconds(10) } }, null, metrics);
        await server.StartAsync().WaitAsync(TestTimeouts.Await);
        using var handled = Count(server);
        using var client = new RawUdpSocket();

        await client.SendAsync(new byte[] { 9 }, server.Target());
        await handled.WaitAsync(TestTimeouts.Await);
        time.Advance(TimeSpan.FromMilliseconds(13)); // the timer fires once, 3 ms after the echo was due
        await client.ReceiveAsync();
        await server.StopAsync().WaitAsync(TestTimeouts.Await);

        var statistics = server.GetStatistics();
        Assert.Equal(1, statistics.DelayedEchoes);
        Assert.Equal(TimeSpan.FromMilliseconds(3), statistics.DelayLatenessP50);
        Assert.Equal(TimeSpan.FromMilliseconds(3), statistics.DelayLatenessMax);
        var lateness = Assert.Single(metrics.Of("udpecho.server.impairment.lateness"));
        Assert.Equal(0.003, lateness.Value, 6);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task DelayedFlood_PastTheQueueCaps_DroppedAndCounted()
    {
        var time = new FakeTimeProvider();
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions
        {
            Engine = engine,
            TimeProvider = time,
            Impairment = { Delay = TimeSpan.FromSeconds(30), MaxQueuedEchoes = 10 },
        });
        using var handled = Count(server);
        using var client = new RawUdpSocket();

        for (var i = 0; i < 30; i++)
        {
            await client.SendAsync(new byte[] { (byte)i }, server.Target());
            await handled.WaitAsync(TestTimeouts.Await);
        }

        Assert.Equal(20, server.GetStatistics().DroppedByQueueLimit);
        time.Advance(TimeSpan.FromSeconds(30));
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(new byte[] { (byte)i }, (await client.ReceiveAsync()).Payload);
        }

        await server.StopAsync().WaitAsync(TestTimeouts.Await);
        var statistics = server.GetStatistics();
        Assert.Equal(10, statistics.DatagramsEchoed);
        Assert.Equal(20, statistics.DatagramsDropped);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task DelayedLargeDatagrams_PastTheByteCap_DroppedAndCounted()
    {
        var time = new FakeTimeProvider();
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions
        {
            Engine = engine,
            TimeProvider = time,
            ShutdownTimeout = TimeSpan.Zero,
            Impairment = { Delay = TimeSpan.FromSeconds(30), MaxQueuedBytes = 65536 },
        });
        using var handled = Count(server);
        using var client = new RawUdpSocket();

        for (var i = 0; i < 40; i++)
        {
            await client.SendAsync(new byte[2000], server.Target());
            await handled.WaitAsync(TestTimeouts.Await);
        }

        Assert.Equal(40 - (65536 / 2000), server.GetStatistics().DroppedByQueueLimit);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task SeedOnOneLoop_SameDatagrams_ExactlyTheSameOnesLost()
    {
        var first = await EchoedSetAsync(seed: 7);
        var second = await EchoedSetAsync(seed: 7);
        var other = await EchoedSetAsync(seed: 8);

        Assert.InRange(first.Count, 600, 800); // 30% loss of 1000
        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task SeedOnSeveralLoops_SendersOnEveryLoop_LossStaysNearTheProbability()
    {
        // One System.Random shared by loops used to break under concurrent use and then lose everything.
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions
        {
            Engine = engine,
            ReceiveLoops = 4,
            Impairment = { LossProbability = 0.5, Seed = 42 },
        });
        using var handled = Count(server);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            using var client = new RawUdpSocket();
            for (var i = 0; i < 500; i++)
            {
                await client.SendAsync(new byte[] { 1 }, server.Target());
            }
        })));
        await Conditions.WaitUntilAsync(() => server.GetStatistics().DatagramsReceived == 4000, "4000 datagrams to arrive");

        var lost = server.GetStatistics().DroppedByImpairment;
        Assert.InRange(lost, 1700, 2300);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Bandwidth_BurstOfDatagrams_EchoedAtTheSetRate()
    {
        const int Bandwidth = 400_000;
        const int Size = 1000;
        const int Count = 400; // one second on the simulated link
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, Impairment = { Bandwidth = Bandwidth } });
        using var client = new RawUdpSocket();

        // Timestamped by a thread of its own, blocked in the receive: thread-pool hops on a busy machine would skew them.
        var arrivals = new double[Count];
        var receiver = new Thread(() =>
        {
            var buffer = new byte[Size];
            for (var i = 0; i < Count; i++)
            {
                client.Socket.Receive(buffer);
                arrivals[i] = Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
            }
        }) { IsBackground = true, Priority = ThreadPriority.Highest };
        receiver.Start();
        for (var i = 0; i < Count; i++)
        {
            await client.SendAsync(new byte[Size], server.Target());
        }

        Assert.True(receiver.Join(TestTimeouts.Await), "not every echo came back");

        // The slope of arrival time over echo number (least squares), so that one late wake-up on a busy machine moves
        // one point, not the whole figure.
        var meanIndex = (Count - 1) / 2.0;
        var meanTime = arrivals.Average();
        var slope = Enumerable.Range(0, Count).Sum(i => (i - meanIndex) * (arrivals[i] - meanTime)) / Enumerable.Range(0, Count).Sum(i => (i - meanIndex) * (i - meanIndex));
        var rate = Size / slope;
        Assert.True(rate >= Bandwidth * 0.95 && rate <= Bandwidth * 1.05, $"{rate:0} bytes/s; {server.GetStatistics()}");
        Assert.Equal(0, server.GetStatistics().DroppedByQueueLimit);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Bandwidth_FloodAtFiveTimesTheRate_LinkStillCarriesItsFullRate()
    {
        // 64-byte echoes on a 64,000 B/s link: 1,000 a second, whatever is offered. Past the queue, echoes are tail
        // dropped; they must never cost the link time.
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions
        {
            Engine = engine,
            ShutdownTimeout = TimeSpan.Zero,
            Impairment = { Bandwidth = 64_000, MaxQueuedEchoes = 200 },
        });
        using var client = new RawUdpSocket();
        var arrivals = new List<long>();
        using var stop = new CancellationTokenSource();
        var receiver = new Thread(() =>
        {
            var buffer = new byte[64];
            client.Socket.ReceiveTimeout = 200;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    client.Socket.Receive(buffer);
                    arrivals.Add(Stopwatch.GetTimestamp());
                }
                catch (System.Net.Sockets.SocketException)
                {
                    // no echo for a moment: look at the flag again
                }
            }
        }) { IsBackground = true };
        receiver.Start();

        var until = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 3 / 2);
        while (Stopwatch.GetTimestamp() < until)
        {
            for (var i = 0; i < 25; i++)
            {
                client.Socket.SendTo(new byte[64], server.Target());
            }

            await Task.Delay(5); // about 5,000 datagrams a second
        }

        await stop.CancelAsync();
        Assert.True(receiver.Join(TestTimeouts.Await));

        // The second second of the flood, when the queue has long been full.
        var from = arrivals[0] + (Stopwatch.Frequency / 4);
        var echoed = arrivals.Count(t => t >= from && t < from + Stopwatch.Frequency);
        Assert.True(echoed is >= 950 and <= 1050, $"{echoed} echoes in one second on a 1,000 a second link; {server.GetStatistics()}");
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Delay_SystemClock_EchoNeverEarlyAndItsLatenessRecorded()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, Impairment = { Delay = TimeSpan.FromMilliseconds(20) } });
        using var client = new RawUdpSocket();

        var sent = Stopwatch.GetTimestamp();
        await client.SendAndReceiveAsync(new byte[] { 1 }, server.Target());
        var roundTrip = Stopwatch.GetElapsedTime(sent);
        await server.StopAsync().WaitAsync(TestTimeouts.Await);

        Assert.True(roundTrip >= TimeSpan.FromMilliseconds(20), $"the echo came back after {roundTrip.TotalMilliseconds} ms");
        var statistics = server.GetStatistics();
        Assert.Equal(1, statistics.DelayedEchoes);
        Assert.True(statistics.DelayLatenessMax >= TimeSpan.Zero && statistics.DelayLatenessMax < roundTrip);
    }

    /// <summary>Sends 1000 numbered datagrams to a fresh one-loop server with 30% loss and <paramref name="seed"/>; returns the numbers echoed.</summary>
    private async Task<HashSet<int>> EchoedSetAsync(int seed)
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, Impairment = { LossProbability = 0.3, Seed = seed } });
        using var handled = Count(server);
        using var client = new RawUdpSocket();
        var payload = new byte[4];
        for (var i = 0; i < 1000; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(payload, i);
            await client.SendAsync(payload, server.Target());
            await handled.WaitAsync(TestTimeouts.Await); // one at a time: the order of decisions is the order sent
        }

        await server.StopAsync().WaitAsync(TestTimeouts.Await);
        var echoed = new HashSet<int>();
        while (client.Socket.Available > 0)
        {
            echoed.Add(BinaryPrimitives.ReadInt32BigEndian((await client.ReceiveAsync()).Payload));
        }

        Assert.Equal(server.GetStatistics().DatagramsEchoed, echoed.Count);
        return echoed;
    }

    /// <summary>Released once per datagram the server has handled (the event is raised after the impairment decided).</summary>
    private static SemaphoreSlim Count(UdpEchoServer server)
    {
        var handled = new SemaphoreSlim(0);
        server.MessageReceived += (_, _) => handled.Release();
        return handled;
    }
}

/// <summary>The tests above on the batched engine (delays served by the loop's own ppoll on the system clock).</summary>
public sealed class UdpEchoServerImpairmentControlTestsOnBatchedEngine() : UdpEchoServerImpairmentControlTests(UdpEchoServerEngine.Batched);

/// <summary>The tests above on the portable engine (delays served by a scheduler thread on the system clock).</summary>
public sealed class UdpEchoServerImpairmentControlTestsOnPortableEngine() : UdpEchoServerImpairmentControlTests(UdpEchoServerEngine.Portable);
