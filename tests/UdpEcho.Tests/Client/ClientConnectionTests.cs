using System.Net.Sockets;

namespace UdpEcho.Tests.Client;

/// <summary>The client's socket and the thread that receives on it, as a caller sees them.</summary>
public sealed class ClientConnectionTests
{
    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(AddressFamily.InterNetwork)]
    [InlineData(AddressFamily.InterNetworkV6)]
    public async Task SendAndReceiveAsync_FirstCall_ReadyingTheSendPathSendsNothing(AddressFamily family)
    {
        // The client runs its send path once before the first call's timed send, with a datagram no UDP stack sends.
        using var peer = new ScriptedPeer(family);
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, Timeout = TestTimeouts.Echo });

        var first = client.SendAndReceiveAsync("first"u8.ToArray()).AsTask();
        var (datagram, from) = await peer.ReceiveAsync();
        await peer.SendAsync(datagram, from);
        await first.WaitAsync(TestTimeouts.Await);
        var second = client.SendAndReceiveAsync("second"u8.ToArray()).AsTask();
        var (next, _) = await peer.ReceiveAsync();
        await peer.SendAsync(next, from);
        await second.WaitAsync(TestTimeouts.Await);

        Assert.Equal("first"u8.ToArray(), datagram);
        Assert.Equal("second"u8.ToArray(), next);
        Assert.Equal(2, client.GetStatistics().DatagramsSent);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task MessageReceived_RunsOnTheClientsOwnReceiveThread()
    {
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, Timeout = TestTimeouts.Echo });
        var handlerThread = new TaskCompletionSource<(string? Name, bool Pooled)>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.MessageReceived += (_, _) => handlerThread.TrySetResult((Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread));

        var call = client.SendAndReceiveAsync("where"u8.ToArray()).AsTask();
        await peer.EchoOneAsync();
        await call.WaitAsync(TestTimeouts.Await);

        // The kernel wakes this thread itself when a datagram arrives: no thread-pool hop is timed into a round trip.
        var (name, pooled) = await handlerThread.Task.WaitAsync(TestTimeouts.Await);
        Assert.Equal("UdpEcho client receive", name);
        Assert.False(pooled);
    }
}
