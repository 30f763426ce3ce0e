using System.Collections.Concurrent;
using System.Net;
using UdpEcho.Tests.Infrastructure;

namespace UdpEcho.Tests.Server;

/// <summary>
/// <see cref="UdpEchoServer.MessageReceived"/>. Handlers run on the receive loop after the echo is sent, so a test
/// can see an echo before the handler for it ran: assertions on what handlers saw are made after StopAsync.
/// </summary>
public abstract class UdpEchoServerEventTests(UdpEchoServerEngine engine)
{
    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task MessageReceived_HandlerThrows_EchoesAndOtherHandlersContinue(string address)
    {
        const int Count = 20;
        var loopback = IPAddress.Parse(address);
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, Address = loopback });
        var secondHandlerCalls = 0;
        server.MessageReceived += (_, _) => throw new InvalidOperationException("A subscriber's bug.");
        server.MessageReceived += (_, _) => Interlocked.Increment(ref secondHandlerCalls);
        using var client = new RawUdpSocket(loopback.AddressFamily);

        for (var i = 0; i < Count; i++)
        {
            var payload = ServerTesting.RandomPayload(16, seed: i);
            var reply = await client.SendAndReceiveAsync(payload, server.Target(loopback.AddressFamily));
            Assert.Equal(payload, reply.Payload);
        }

        Assert.True(server.IsRunning);
        await server.StopAsync().WaitAsync(TestTimeouts.Await);
        Assert.Equal(Count, Volatile.Read(ref secondHandlerCalls));
        var statistics = server.GetStatistics();
        Assert.Equal(Count, statistics.SubscriberErrors);
        Assert.Equal(Count, statistics.DatagramsEchoed);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task MessageReceived_Args_CarrySenderAndAPayloadCopyThatOutlivesTheHandler()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine });
        var seen = new ConcurrentQueue<(object? Sender, UdpEchoMessageReceivedEventArgs Args)>();
        server.MessageReceived += (sender, e) => seen.Enqueue((sender, e));
        using var client = new RawUdpSocket();

        // Same length each time, so that a payload which only pointed into the receive buffer would be overwritten.
        var payloads = Enumerable.Range(0, 5).Select(i => ServerTesting.RandomPayload(300, seed: i)).ToArray();
        foreach (var payload in payloads)
        {
            await client.SendAndReceiveAsync(payload, server.Target());
        }

        await server.StopAsync().WaitAsync(TestTimeouts.Await);
        var raised = seen.ToArray();
        Assert.Equal(payloads.Length, raised.Length);
        for (var i = 0; i < payloads.Length; i++)
        {
            Assert.Same(server, raised[i].Sender);
            Assert.Equal(client.LocalEndPoint, raised[i].Args.RemoteEndPoint);
            Assert.Equal(payloads[i], raised[i].Args.Payload.ToArray());
        }
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task MessageReceived_ZeroLengthDatagram_RaisedWithEmptyPayload()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine });
        var raised = new TaskCompletionSource<UdpEchoMessageReceivedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.MessageReceived += (_, e) => raised.TrySetResult(e);
        using var client = new RawUdpSocket();

        await client.SendAsync(ReadOnlyMemory<byte>.Empty, server.Target());
        var args = await raised.Task.WaitAsync(TestTimeouts.Await);

        Assert.True(args.Payload.IsEmpty);
        Assert.Equal(client.LocalEndPoint, args.RemoteEndPoint);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task MessageReceived_OversizedDatagram_NotRaised()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, MaxDatagramSize = 10 });
        var lengths = new ConcurrentQueue<int>();
        server.MessageReceived += (_, e) => lengths.Enqueue(e.Payload.Length);
        using var client = new RawUdpSocket();

        await client.SendAsync(new byte[11], server.Target());
        await client.SendAndReceiveAsync(new byte[10], server.Target());
        await server.StopAsync().WaitAsync(TestTimeouts.Await);

        Assert.Equal([10], lengths);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task MessageReceived_Unsubscribed_NoLongerCalled()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine });
        var calls = 0;
        EventHandler<UdpEchoMessageReceivedEventArgs> handler = (_, _) => Interlocked.Increment(ref calls);
        server.MessageReceived += handler;
        using var client = new RawUdpSocket();
        var raised = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.MessageReceived += (_, _) => raised.TrySetResult();

        await client.SendAndReceiveAsync(new byte[1], server.Target());
        await raised.Task.WaitAsync(TestTimeouts.Await);
        server.MessageReceived -= handler;
        await client.SendAndReceiveAsync(new byte[1], server.Target());
        await server.StopAsync().WaitAsync(TestTimeouts.Await);

        Assert.Equal(1, Volatile.Read(ref calls));
    }
}

/// <summary>The tests above on the batched engine (Linux <c>recvmmsg</c>/<c>sendmmsg</c>).</summary>
public sealed class UdpEchoServerEventTestsOnBatchedEngine() : UdpEchoServerEventTests(UdpEchoServerEngine.Batched);

/// <summary>The tests above on the portable engine (<c>ReceiveFromAsync</c>/<c>SendToAsync</c>).</summary>
public sealed class UdpEchoServerEventTestsOnPortableEngine() : UdpEchoServerEventTests(UdpEchoServerEngine.Portable);
