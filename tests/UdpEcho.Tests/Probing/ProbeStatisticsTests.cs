using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using UdpEcho.Tests.Client;

namespace UdpEcho.Tests.Probing;

/// <summary>
/// Every statistic, computed from round trips the test chooses exactly: the peer echoes by hand and the clock is fake,
/// so a round trip is precisely the time the test advanced while holding the datagram.
/// </summary>
public sealed class ProbeStatisticsTests
{
    private static readonly TimeSpan OneTick = TimeSpan.FromTicks(1);

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ProbeAsync_KnownRoundTrips_ExactMinMeanDeviationPercentilesJitterAndRate()
    {
        var time = new SignallingTimeProvider();
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, TimeProvider = time });
        double[] milliseconds = [10, 20, 30, 40, 100];

        var probe = client.ProbeAsync(new UdpEchoProbeOptions { Count = 5 });
        foreach (var rtt in milliseconds)
        {
            var (datagram, from) = await peer.ReceiveAsync();
            time.Advance(TimeSpan.FromMilliseconds(rtt));
            await peer.SendAsync(datagram, from);
        }

        var result = await probe.WaitAsync(TestTimeouts.Await);

        Assert.Equal(5, result.Sent);
        Assert.Equal(5, result.Received);
        Assert.Equal(0, result.LossPercent);
        Assert.Equal(TimeSpan.FromMilliseconds(10), result.RoundTrip.Min);
        Assert.Equal(TimeSpan.FromMilliseconds(100), result.RoundTrip.Max);
        Assert.Equal(TimeSpan.FromMilliseconds(40), result.RoundTrip.Mean);

        // Population deviation, as ping's mdev: sqrt(mean of squares - square of mean) = sqrt(2600 - 1600) ms.
        AssertWithinTick(TimeSpan.FromMilliseconds(Math.Sqrt(1000)), result.RoundTrip.StandardDeviation);

        // Nearest rank: the 3rd of 5 values is the median, the 5th the 90th percentile and above; a percentile reads
        // back at most 1/1024 above the value, and never above the maximum.
        Assert.InRange(result.RoundTrip.P50, TimeSpan.FromMilliseconds(30), TimeSpan.FromMilliseconds(30 * (1 + (1.0 / 1024))));
        Assert.Equal(TimeSpan.FromMilliseconds(100), result.RoundTrip.P90);
        Assert.Equal(TimeSpan.FromMilliseconds(100), result.RoundTrip.P99);
        Assert.Equal(TimeSpan.FromMilliseconds(100), result.RoundTrip.P999);

        // RFC 3550: J += (|D| - J) / 16 over consecutive round trips.
        var jitter = 0.0;
        for (var i = 1; i < milliseconds.Length; i++)
        {
            jitter += (Math.Abs(milliseconds[i] - milliseconds[i - 1]) - jitter) / 16;
        }

        AssertWithinTick(TimeSpan.FromMilliseconds(jitter), result.Jitter);

        // Each probe left as the previous echo came back: at 0, 10, 30, 60 and 100 ms. Four intervals in 100 ms.
        Assert.Equal(TimeSpan.FromMilliseconds(100), result.Duration);
        Assert.Equal(40, result.AchievedRate, precision: 9);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ProbeAsync_ReorderedDuplicateAndCorruptEchoes_CountedExactlyAndReportedInOrder()
    {
        var time = new SignallingTimeProvider();
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, TimeProvider = time });
        var events = new ConcurrentQueue<UdpEchoProbeProgress>();

        var probe = client.ProbeAsync(new UdpEchoProbeOptions { Count = 3, Window = 3 }, new ImmediateProgress(events.Enqueue));
        var (first, from) = await peer.ReceiveAsync();
        var (second, _) = await peer.ReceiveAsync();
        var (third, _) = await peer.ReceiveAsync();
        var flipped = second.ToArray();
        flipped[^1] ^= 0x01;

        await peer.SendAsync(flipped, from);   // corrupt: the probe stays in flight
        await peer.SendAsync(third, from);     // answered
        await peer.SendAsync(first, from);     // answered, after a later probe: reordered
        await peer.SendAsync(first, from);     // duplicate
        await peer.SendAsync(second, from);    // answered, reordered too
        var result = await probe.WaitAsync(TestTimeouts.Await);

        Assert.Equal(3, result.Sent);
        Assert.Equal(3, result.Received);
        Assert.Equal(1, result.Corrupt);
        Assert.Equal(1, result.Duplicates);
        Assert.Equal(2, result.Reordered);
        Assert.Equal(0, result.Late);
        Assert.Equal(
            ["1 Corrupt False", "2 Answered False", "0 Answered True", "0 Duplicate False", "1 Answered True"],
            events.Select(e => $"{e.Sequence} {e.Outcome} {e.Reordered}"));
        Assert.Equal([0, 1, 2, 2, 3], events.Select(e => e.Received));
        Assert.All(events, e => Assert.Equal(64, e.Length));
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ProbeAsync_EchoAfterTheTimeout_IsLateAndTheProbeStaysLost()
    {
        var time = new SignallingTimeProvider();
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, TimeProvider = time });
        var timeout = TimeSpan.FromMilliseconds(200);
        var kinds = new ConcurrentQueue<UdpEchoMessageKind>();
        var received = new SemaphoreSlim(0);
        client.MessageReceived += (_, e) =>
        {
            kinds.Enqueue(e.Kind);
            received.Release();
        };

        var probe = client.ProbeAsync(new UdpEchoProbeOptions { Count = 2, Timeout = timeout });
        var (first, from) = await peer.ReceiveAsync();
        await time.WaitForTimerAsync();
        time.Advance(timeout);                 // the first probe times out; the second goes out
        var (second, _) = await peer.ReceiveAsync();
        await peer.SendAsync(first, from);     // late
        await peer.SendAsync(second, from);    // answered
        var result = await probe.WaitAsync(TestTimeouts.Await);
        await peer.SendAsync(second, from);    // after the probe ended: an echo of a finished probe is late
        for (var i = 0; i < 3; i++)
        {
            Assert.True(await received.WaitAsync(TestTimeouts.Await));
        }

        Assert.Equal(2, result.Sent);
        Assert.Equal(1, result.Received);
        Assert.Equal(1, result.Lost);
        Assert.Equal(50, result.LossPercent);
        Assert.Equal(1, result.Late);
        Assert.Equal([UdpEchoMessageKind.Late, UdpEchoMessageKind.Echo, UdpEchoMessageKind.Late], kinds);
        var statistics = client.GetStatistics();
        Assert.Equal(1, statistics.Timeouts);
        Assert.Equal(2, statistics.Late);
        Assert.Equal(1, statistics.Echoes);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ProbeAsync_EchoAfterExactlyTheTimeout_IsLateWhicheverNoticesFirst()
    {
        var time = new SignallingTimeProvider();
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, TimeProvider = time });
        var timeout = TimeSpan.FromMilliseconds(100);

        var probe = client.ProbeAsync(new UdpEchoProbeOptions { Count = 2, Timeout = timeout });
        var (first, from) = await peer.ReceiveAsync();
        await time.WaitForTimerAsync();
        time.Advance(timeout);

        // The probe's loop and this echo race; either way a round trip of exactly the timeout is a timeout.
        await peer.SendAsync(first, from);
        var (second, _) = await peer.ReceiveAsync();
        await peer.SendAsync(second, from);
        var result = await probe.WaitAsync(TestTimeouts.Await);

        Assert.Equal(1, result.Received);
        Assert.Equal(1, result.Lost);
        Assert.Equal(1, result.Late);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ProbeAsync_WarmUpProbes_AreLeftOutOfEveryStatistic()
    {
        var time = new SignallingTimeProvider();
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, TimeProvider = time });
        var events = new ConcurrentQueue<UdpEchoProbeProgress>();

        var probe = client.ProbeAsync(new UdpEchoProbeOptions { Count = 2, WarmUp = 2 }, new ImmediateProgress(events.Enqueue));
        foreach (var rtt in new[] { 500, 400, 10, 20 })
        {
            var (datagram, from) = await peer.ReceiveAsync();
            time.Advance(TimeSpan.FromMilliseconds(rtt));
            await peer.SendAsync(datagram, from);
        }

        var result = await probe.WaitAsync(TestTimeouts.Await);

        Assert.Equal(2, result.Sent);
        Assert.Equal(TimeSpan.FromMilliseconds(10), result.RoundTrip.Min);
        Assert.Equal(TimeSpan.FromMilliseconds(20), result.RoundTrip.Max);
        Assert.Equal(TimeSpan.FromMilliseconds(10), result.Duration);
        Assert.Equal([true, true, false, false], events.Select(e => e.IsWarmUp));
        Assert.Equal([0, 0, 1, 2], events.Select(e => e.Received));
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(100, null)]
    [InlineData(null, 10.0)]
    public async Task ProbeAsync_IntervalOrRate_SendsOnScheduleWithoutWaitingForEchoes(int? intervalMilliseconds, double? rate)
    {
        var time = new SignallingTimeProvider();
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, TimeProvider = time });
        var options = new UdpEchoProbeOptions
        {
            Count = 3,
            Interval = intervalMilliseconds is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
            Rate = rate,
        };

        var probe = client.ProbeAsync(options);
        var datagrams = new List<byte[]>();
        var (first, from) = await peer.ReceiveAsync();
        datagrams.Add(first);
        for (var i = 1; i < 3; i++)
        {
            // No echo yet: the next probe still goes out when it is due.
            await time.WaitForTimerAsync();
            time.Advance(TimeSpan.FromMilliseconds(100));
            datagrams.Add((await peer.ReceiveAsync()).Payload);
        }

        foreach (var datagram in datagrams)
        {
            await peer.SendAsync(datagram, from);
        }

        var result = await probe.WaitAsync(TestTimeouts.Await);

        Assert.Equal([0ul, 1ul, 2ul], datagrams.Select(d => BinaryPrimitives.ReadUInt64BigEndian(d.AsSpan(8))));
        Assert.Equal(TimeSpan.FromMilliseconds(200), result.RoundTrip.Max);
        Assert.Equal(TimeSpan.Zero, result.RoundTrip.Min);
        Assert.Equal(TimeSpan.FromMilliseconds(200), result.Duration);
        Assert.Equal(10, result.AchievedRate, precision: 9);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ProbeAsync_Window_CapsTheProbesInFlight()
    {
        var time = new SignallingTimeProvider();
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, TimeProvider = time });

        var probe = client.ProbeAsync(new UdpEchoProbeOptions { Count = 3, Window = 2 });
        var (first, from) = await peer.ReceiveAsync();
        var (second, _) = await peer.ReceiveAsync();
        time.Advance(TimeSpan.FromMilliseconds(50));
        await peer.SendAsync(first, from);
        var (third, _) = await peer.ReceiveAsync();
        await peer.SendAsync(second, from);
        await peer.SendAsync(third, from);
        var result = await probe.WaitAsync(TestTimeouts.Await);

        // Had the third probe left with the first two, its round trip would be 50 ms too; it left with the first echo.
        Assert.Equal(TimeSpan.Zero, result.RoundTrip.Min);
        Assert.Equal(TimeSpan.FromMilliseconds(50), result.RoundTrip.Max);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ProbeAsync_Duration_StopsSendingWhenItHasElapsed()
    {
        var time = new SignallingTimeProvider();
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, TimeProvider = time });

        var probe = client.ProbeAsync(new UdpEchoProbeOptions { Duration = TimeSpan.FromMilliseconds(250), Interval = TimeSpan.FromMilliseconds(100) });
        var (datagram, from) = await peer.ReceiveAsync();
        await peer.SendAsync(datagram, from);
        for (var i = 0; i < 2; i++)
        {
            await time.WaitForTimerAsync();
            time.Advance(TimeSpan.FromMilliseconds(100));
            (datagram, _) = await peer.ReceiveAsync();
            await peer.SendAsync(datagram, from);
        }

        await time.WaitForTimerAsync();
        time.Advance(TimeSpan.FromMilliseconds(50));
        var result = await probe.WaitAsync(TestTimeouts.Await);

        Assert.Equal(3, result.Sent);
        Assert.Equal(3, result.Received);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ProbeAsync_Cancelled_ThrowsWithWhatWasMeasured()
    {
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint });
        using var cts = new CancellationTokenSource();

        var probe = client.ProbeAsync(new UdpEchoProbeOptions { Count = 10, Timeout = TimeSpan.FromSeconds(30) }, null, cts.Token);
        for (var i = 0; i < 3; i++)
        {
            await peer.EchoOneAsync();
        }

        await peer.ReceiveAsync();             // the fourth probe, in flight when the user stops
        await cts.CancelAsync();
        var error = await Assert.ThrowsAsync<UdpEchoProbeCanceledException>(() => probe.WaitAsync(TestTimeouts.Await));

        Assert.IsAssignableFrom<OperationCanceledException>(error);
        Assert.Equal(cts.Token, error.CancellationToken);
        Assert.Equal(3, error.Result!.Sent);
        Assert.Equal(3, error.Result.Received);
        Assert.Equal(0, error.Result.LossPercent);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ProbeAsync_ClientDisposedMeanwhile_ThrowsObjectDisposed()
    {
        using var peer = new ScriptedPeer();
        var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint });

        var probe = client.ProbeAsync(new UdpEchoProbeOptions { Count = 10, Timeout = TimeSpan.FromSeconds(30) });
        await peer.ReceiveAsync();
        await client.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => probe.WaitAsync(TestTimeouts.Await));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.ProbeAsync(new UdpEchoProbeOptions()));
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(UdpEchoPayloadPattern.Zeros, 0x00, 0x00)]
    [InlineData(UdpEchoPayloadPattern.Ones, 0xFF, 0xFF)]
    [InlineData(UdpEchoPayloadPattern.Incrementing, 24, 63)]
    public async Task ProbeAsync_Pattern_FillsTheDatagramAfterTheTag(UdpEchoPayloadPattern pattern, byte firstByte, byte lastByte)
    {
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint });

        var probe = client.ProbeAsync(new UdpEchoProbeOptions { Count = 1, Pattern = pattern });
        var datagram = await peer.EchoOneAsync();
        await probe.WaitAsync(TestTimeouts.Await);

        Assert.Equal(64, datagram.Length);
        Assert.Equal("UET\u0001"u8.ToArray(), datagram[..4]);
        Assert.Equal(firstByte, datagram[24]);
        Assert.Equal(lastByte, datagram[^1]);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ProbeAsync_RandomPattern_IsTheSameForTheSameSeed()
    {
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint });

        async Task<byte[]> FillerAsync(int seed)
        {
            var probe = client.ProbeAsync(new UdpEchoProbeOptions { Count = 1, Size = 100, Pattern = UdpEchoPayloadPattern.Random, Seed = seed });
            var datagram = await peer.EchoOneAsync();
            await probe.WaitAsync(TestTimeouts.Await);
            return datagram[24..];
        }

        var first = await FillerAsync(5);
        var again = await FillerAsync(5);
        var other = await FillerAsync(6);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ProbeAsync_SizeTooLargeForIPv4_ThrowsNamingIt()
    {
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint });

        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.ProbeAsync(new UdpEchoProbeOptions { Size = 65508 }));

        Assert.Contains("Size is 65508 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains(peer.EndPoint.ToString(), error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ProbeAsync_TwoProbesAtOnce_KeepTheirEchoesApart()
    {
        await using var server = new UdpEchoServer(new UdpEchoServerOptions { Address = IPAddress.IPv6Loopback });
        await server.StartAsync();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.LocalEndPoint });

        var results = await Task.WhenAll(
            client.ProbeAsync(new UdpEchoProbeOptions { Count = 100, Window = 4 }),
            client.ProbeAsync(new UdpEchoProbeOptions { Count = 100, Window = 4, Size = 200 })).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.All(results, r => Assert.Equal(100, r.Received));
        Assert.All(results, r => Assert.Equal(0, r.Corrupt + r.Duplicates + r.Late));
        Assert.Equal(0, client.GetStatistics().Unmatched);
    }

    /// <summary>Results are <see cref="TimeSpan"/>s, which round to 100 ns.</summary>
    private static void AssertWithinTick(TimeSpan expected, TimeSpan actual) => Assert.InRange(actual, expected - OneTick, expected + OneTick);

    /// <summary>Reports synchronously, in order, unlike <see cref="Progress{T}"/>, which posts each report to the thread pool.</summary>
    private sealed class ImmediateProgress(Action<UdpEchoProbeProgress> report) : IProgress<UdpEchoProbeProgress>
    {
        public void Report(UdpEchoProbeProgress value) => report(value);
    }
}
