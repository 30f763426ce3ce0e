using System.Net;
using UdpEcho.Tests.Infrastructure;
using UdpEcho.Transport;
using UdpEcho.Transport.Linux;

namespace UdpEcho.Tests.Transport;

/// <summary>
/// The batched engine's error paths, driven by failing its system calls on purpose: each error costs at most the one
/// echo it concerns, never the server, and segmentation that a route refuses falls back and then gives up.
/// </summary>
public sealed class BatchedEngineFaultTests
{
    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(FaultySocketCalls.ENoBufs)]
    [InlineData(FaultySocketCalls.EMsgSize)]
    [InlineData(FaultySocketCalls.EConnRefused)]
    public async Task SendFails_ThatEchoCountedAsASendErrorAndTheServerGoesOn(int errno)
    {
        var calls = new FaultySocketCalls();
        await using var server = await StartAsync(calls);
        calls.SendFaults.Enqueue(errno); // after the start, whose probe of the calls would take it
        using var client = new RawUdpSocket();

        await client.SendAsync(new byte[] { 1 }, server.Target());
        await Conditions.WaitUntilAsync(() => server.GetStatistics().SendErrors == 1, "the failed send to be counted");
        var reply = await client.SendAndReceiveAsync(new byte[] { 2 }, server.Target());

        Assert.Equal(new byte[] { 2 }, reply.Payload);
        await server.StopAsync().WaitAsync(TestTimeouts.Await);
        var statistics = server.GetStatistics();
        Assert.Equal(1, statistics.SendErrors);
        Assert.Equal(1, statistics.DatagramsEchoed);
        Assert.Equal(1, statistics.DatagramsDropped);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendWouldBlock_EchoWaitsForRoomInsteadOfBeingDropped()
    {
        var calls = new FaultySocketCalls();
        await using var server = await StartAsync(calls);
        calls.SendFaults.Enqueue(LinuxSockets.EAgain);
        using var client = new RawUdpSocket();

        var reply = await client.SendAndReceiveAsync(new byte[] { 7 }, server.Target());

        Assert.Equal(new byte[] { 7 }, reply.Payload);
        await server.StopAsync().WaitAsync(TestTimeouts.Await);
        Assert.Equal(0, server.GetStatistics().SendErrors);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ReceiveReportsConnectionRefused_CountedAndTheLoopGoesOn()
    {
        // An ICMP port unreachable for an earlier echo surfaces on the next receive.
        var calls = new FaultySocketCalls();
        await using var server = await StartAsync(calls);
        calls.ReceiveFaults.Enqueue(FaultySocketCalls.EConnRefused);
        using var client = new RawUdpSocket();

        var reply = await client.SendAndReceiveAsync(new byte[] { 3 }, server.Target());

        Assert.Equal(new byte[] { 3 }, reply.Payload);
        Assert.Equal(1, server.GetStatistics().ReceiveErrors);
        Assert.True(server.IsRunning);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SegmentationRefused_RunSentAgainOneEchoPerMessage_NothingLost()
    {
        var calls = new FaultySocketCalls { RefuseSegments = FaultySocketCalls.EIO };
        await using var server = await StartAsync(calls);

        var echoed = await BurstAsync(server, 300);

        Assert.Equal(300, echoed);
        Assert.True(calls.SegmentedAttempts > 0, "the burst never tried a segmented message");
        await server.StopAsync().WaitAsync(TestTimeouts.Await);
        Assert.Equal(300, server.GetStatistics().DatagramsEchoed);
        Assert.Equal(0, server.GetStatistics().SendErrors);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task SegmentationRefusedEightTimes_TurnedOffForGood()
    {
        var calls = new FaultySocketCalls { RefuseSegments = FaultySocketCalls.EIO };
        await using var server = await StartAsync(calls);

        for (var burst = 0; burst < 40 && calls.SegmentedAttempts < 8; burst++)
        {
            Assert.Equal(300, await BurstAsync(server, 300));
        }

        Assert.Equal(8, calls.SegmentedAttempts);
        for (var burst = 0; burst < 5; burst++)
        {
            Assert.Equal(300, await BurstAsync(server, 300));
        }

        Assert.Equal(8, calls.SegmentedAttempts); // no more tries after the limit
        var engine = Assert.IsType<BatchedEchoEngine>(server.RunningEngine);
        await server.StopAsync().WaitAsync(TestTimeouts.Await);
        Assert.Equal(0, engine.SegmentedMessages);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task SegmentedRunsRefusedByAFirewall_NotASegmentationRefusal_SegmentationStaysOn()
    {
        // EPERM says a rule refused the send, not that the route cannot segment: it must not count toward giving up.
        var calls = new FaultySocketCalls { RefuseSegments = LinuxSockets.EPerm };
        await using var server = await StartAsync(calls);

        for (var burst = 0; burst < 60 && calls.SegmentedAttempts <= 8; burst++)
        {
            Assert.Equal(300, await BurstAsync(server, 300));
        }

        Assert.True(calls.SegmentedAttempts > 8, $"segmentation stopped after {calls.SegmentedAttempts} firewall refusals");
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(LinuxSockets.ENoSys)]
    [InlineData(LinuxSockets.EPerm)]
    public async Task SandboxForbidsTheBatchedCalls_AutomaticFallsBackToPortable_BatchedRefuses(int errno)
    {
        var calls = new FaultySocketCalls { Forbid = errno };
        await using var automatic = new UdpEchoServer(new UdpEchoServerOptions()) { SocketCalls = calls };
        await automatic.StartAsync().WaitAsync(TestTimeouts.Await);
        using var client = new RawUdpSocket();

        Assert.IsType<PortableEchoEngine>(automatic.RunningEngine);
        Assert.Equal(new byte[] { 5 }, (await client.SendAndReceiveAsync(new byte[] { 5 }, automatic.Target())).Payload);

        await using var batched = new UdpEchoServer(new UdpEchoServerOptions { Engine = UdpEchoServerEngine.Batched }) { SocketCalls = calls };
        await Assert.ThrowsAsync<PlatformNotSupportedException>(() => batched.StartAsync());
    }

    private static async Task<UdpEchoServer> StartAsync(FaultySocketCalls calls)
    {
        var server = new UdpEchoServer(new UdpEchoServerOptions { Engine = UdpEchoServerEngine.Batched, ReceiveLoops = 1 }) { SocketCalls = calls };
        await server.StartAsync().WaitAsync(TestTimeouts.Await);
        return server;
    }

    /// <summary>Sends <paramref name="count"/> equal-sized datagrams at once (what segmentation batches) and counts the echoes.</summary>
    private static async Task<int> BurstAsync(UdpEchoServer server, int count)
    {
        using var client = new RawUdpSocket();
        for (var i = 0; i < count; i++)
        {
            await client.SendAsync(new byte[100], server.Target());
        }

        for (var i = 0; i < count; i++)
        {
            await client.ReceiveAsync();
        }

        return count;
    }
}
