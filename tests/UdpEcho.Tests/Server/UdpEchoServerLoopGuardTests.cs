using System.Net;
using System.Net.Sockets;
using UdpEcho.Policy;
using UdpEcho.Tests.Infrastructure;

namespace UdpEcho.Tests.Server;

/// <summary>
/// Echo loops started by one forged datagram, as the CERT CA-1996-01 storm on any port: a server answering itself, and
/// two servers answering each other. Forged with a raw socket on loopback (root); the loop's length is read from the
/// servers' own counters.
/// </summary>
public abstract class UdpEchoServerLoopGuardTests(UdpEchoServerEngine engine)
{
    [RootFact(Timeout = TestTimeouts.Short)]
    public async Task ForgedFromTheServersOwnEndPoint_DefaultSettings_NeverEchoed()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine });
        var self = server.LocalEndPoint!;

        ForgedDatagram.Send(from: self, to: self, "loop"u8);
        await Conditions.WaitUntilAsync(() => server.GetStatistics().DroppedByLoopGuard == 1, "the forged datagram to be dropped");
        await server.StopAsync().WaitAsync(TestTimeouts.Await);

        var statistics = server.GetStatistics();
        Assert.Equal(1, statistics.DatagramsReceived);
        Assert.Equal(0, statistics.DatagramsEchoed);
        Assert.Equal(1, statistics.DatagramsDropped);
    }

    [RootFact(Timeout = TestTimeouts.Short)]
    public async Task ForgedFromAnotherServersPort_GuardOn_LoopStopsWithinTheThreshold()
    {
        var options = new UdpEchoServerOptions { Engine = engine, LoopGuard = UdpEchoLoopGuard.On };
        await using var a = await ServerTesting.StartServerAsync(options);
        await using var b = await ServerTesting.StartServerAsync(options);

        // One datagram "from" B's port to A: without the guard, A and B would bounce it for ever.
        ForgedDatagram.Send(from: b.LocalEndPoint!, to: a.LocalEndPoint!, "storm"u8);
        await Conditions.WaitUntilAsync(
            () => a.GetStatistics().DroppedByLoopGuard + b.GetStatistics().DroppedByLoopGuard > 0, "one of the servers to cut the loop");
        await a.StopAsync().WaitAsync(TestTimeouts.Await);
        await b.StopAsync().WaitAsync(TestTimeouts.Await);

        var (echoedA, echoedB) = (a.GetStatistics().DatagramsEchoed, b.GetStatistics().DatagramsEchoed);
        Assert.InRange(echoedA, 1, PeerLoopGuard.Threshold + 1);
        Assert.InRange(echoedB, 1, PeerLoopGuard.Threshold + 1);
    }

    [RootFact(Timeout = TestTimeouts.Short)]
    public async Task ForgedBetweenTwoStampReflectors_GuardOn_LoopStopsAtOnce()
    {
        // A reflector rewrites what it sends (timestamps), so no bounce comes back as the bytes it received; but the
        // first reply it is sent back carries a receive timestamp where a test packet has zeros.
        var options = new UdpEchoServerOptions { Engine = engine, LoopGuard = UdpEchoLoopGuard.On, StampMode = UdpEchoStampMode.Stateless };
        await using var a = await ServerTesting.StartServerAsync(options);
        await using var b = await ServerTesting.StartServerAsync(options);

        ForgedDatagram.Send(from: b.LocalEndPoint!, to: a.LocalEndPoint!, new byte[44]);
        await Conditions.WaitUntilAsync(
            () => a.GetStatistics().DroppedByLoopGuard + b.GetStatistics().DroppedByLoopGuard > 0, "one of the reflectors to cut the loop");
        await a.StopAsync().WaitAsync(TestTimeouts.Await);
        await b.StopAsync().WaitAsync(TestTimeouts.Await);

        Assert.Equal(1, a.GetStatistics().DatagramsEchoed);
        Assert.Equal(0, b.GetStatistics().DatagramsEchoed);
    }

    [RootFact(Timeout = TestTimeouts.Short)]
    public async Task ForgedBetweenAnEchoServerAndAStampReflector_GuardOn_LoopStopsAtOnce()
    {
        await using var echo = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, LoopGuard = UdpEchoLoopGuard.On });
        await using var reflector = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, LoopGuard = UdpEchoLoopGuard.On, StampMode = UdpEchoStampMode.Stateful });

        ForgedDatagram.Send(from: echo.LocalEndPoint!, to: reflector.LocalEndPoint!, new byte[44]);
        await Conditions.WaitUntilAsync(() => reflector.GetStatistics().DroppedByLoopGuard > 0, "the reflector to cut the loop");
        await echo.StopAsync().WaitAsync(TestTimeouts.Await);
        await reflector.StopAsync().WaitAsync(TestTimeouts.Await);

        Assert.Equal(1, reflector.GetStatistics().DatagramsEchoed);
        Assert.Equal(1, echo.GetStatistics().DatagramsEchoed);
    }

    [RootFact(Timeout = TestTimeouts.Short)]
    public async Task ForgedFromTheLoopbackBroadcastAddress_DroppedAsASourceAddress()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine });

        ForgedDatagram.Send(from: new IPEndPoint(IPAddress.Parse("127.255.255.255"), 40000), to: server.LocalEndPoint!, "bcast"u8);
        await Conditions.WaitUntilAsync(() => server.GetStatistics().DatagramsReceived == 1, "the forged datagram to arrive");
        await server.StopAsync().WaitAsync(TestTimeouts.Await);

        var statistics = server.GetStatistics();
        Assert.Equal(1, statistics.DroppedBySourceAddress);
        Assert.Equal(0, statistics.SendErrors);
        Assert.Equal(0, statistics.DatagramsEchoed);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task ConstantPayloadBackToBack_DefaultSettingsOnLoopback_EveryCallAnswered()
    {
        // A test harness repeating one payload looks exactly like a loop; on loopback the guard is off by default.
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine });
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.Target(), Timeout = TestTimeouts.Echo });
        var payload = "same every time"u8.ToArray();

        for (var i = 0; i < 10_000; i++)
        {
            await client.SendAndReceiveAsync(payload).AsTask().WaitAsync(TestTimeouts.Await);
        }

        await server.StopAsync().WaitAsync(TestTimeouts.Await);
        Assert.Equal(10_000, server.GetStatistics().DatagramsEchoed);
        Assert.Equal(0, server.GetStatistics().DroppedByLoopGuard);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task RetryOfTheSamePayloadAfterATimeout_GuardOn_Answered()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, LoopGuard = UdpEchoLoopGuard.On });
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.Target(), Timeout = TimeSpan.FromMilliseconds(300), Retries = 5 });

        // The first attempts' echoes are lost on purpose; a later attempt, the same bytes again, gets through.
        server.SetImpairment(new UdpEchoImpairmentOptions { LossProbability = 1 });
        var call = client.SendAndReceiveAsync("retry me"u8.ToArray()).AsTask();
        await Conditions.WaitUntilAsync(() => server.GetStatistics().DroppedByImpairment >= 2, "two attempts to be lost");
        server.SetImpairment(new UdpEchoImpairmentOptions());
        var reply = await call.WaitAsync(TestTimeouts.Await);

        Assert.True(reply.Attempts >= 3);
        Assert.Equal(0, server.GetStatistics().DroppedByLoopGuard);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SamePayloadThroughAnOutage_GuardOn_AnsweredWhenTheOutageEnds()
    {
        // Echoes lost on purpose were never sent: a client repeating itself through the outage is not bouncing them back.
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, LoopGuard = UdpEchoLoopGuard.On });
        using var client = new RawUdpSocket();
        var payload = "are you there?"u8.ToArray();
        server.SetImpairment(new UdpEchoImpairmentOptions { LossProbability = 1 });
        for (var i = 0; i < 40; i++)
        {
            await client.SendAsync(payload, server.Target());
        }

        await Conditions.WaitUntilAsync(() => server.GetStatistics().DroppedByImpairment == 40, "the outage to lose all 40");
        server.SetImpairment(new UdpEchoImpairmentOptions());

        Assert.Equal(payload, (await client.SendAndReceiveAsync(payload, server.Target())).Payload);
        Assert.Equal(0, server.GetStatistics().DroppedByLoopGuard);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task TwoClientsOnOneAddress_SamePayload_GuardOn_BothAnswered()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, LoopGuard = UdpEchoLoopGuard.On });
        using var first = new RawUdpSocket();
        using var second = new RawUdpSocket();
        var payload = "ping"u8.ToArray();

        // Ten each, interleaved: twenty of the same bytes from one address, but never more than ten from one endpoint.
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(payload, (await first.SendAndReceiveAsync(payload, server.Target())).Payload);
            Assert.Equal(payload, (await second.SendAndReceiveAsync(payload, server.Target())).Payload);
        }

        Assert.Equal(0, server.GetStatistics().DroppedByLoopGuard);
    }
}

/// <summary>The tests above on the batched engine.</summary>
public sealed class UdpEchoServerLoopGuardTestsOnBatchedEngine() : UdpEchoServerLoopGuardTests(UdpEchoServerEngine.Batched);

/// <summary>The tests above on the portable engine.</summary>
public sealed class UdpEchoServerLoopGuardTestsOnPortableEngine() : UdpEchoServerLoopGuardTests(UdpEchoServerEngine.Portable);
