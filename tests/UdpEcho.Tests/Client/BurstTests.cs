using System.Buffers.Binary;
using UdpEcho.Tests.Probing;

namespace UdpEcho.Tests.Client;

/// <summary>
/// One shared client (the DI singleton case) under a burst of concurrent calls against a real server: every call must
/// come back with its own echo. The calls beyond <see cref="UdpEchoClientOptions.MaxCallsInFlight"/> wait their turn,
/// so the echoes on their way back never outgrow the socket's receive buffer.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class BurstTests
{
    [Theory(Timeout = TestTimeouts.Long)]
    [InlineData(5000, 64)]
    [InlineData(5000, 512)]
    [InlineData(2000, 1400)]
    public async Task SendAndReceiveAsync_BurstOfConcurrentCalls_EveryCallGetsItsOwnEcho(int calls, int size)
    {
        await using var server = new UdpEchoServer(new UdpEchoServerOptions());
        await server.StartAsync();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.LocalEndPoint, Timeout = TimeSpan.FromSeconds(2), Retries = 2 });

        // Off xunit's synchronization context, which would run every caller's continuation on its two threads.
        await Task.Run(() => Task.WhenAll(Enumerable.Range(0, calls).Select(async i =>
        {
            var payload = new byte[size];
            BinaryPrimitives.WriteInt32BigEndian(payload, i);
            payload.AsSpan(4).Fill((byte)i);
            var reply = await client.SendAndReceiveAsync(payload).ConfigureAwait(false);
            Assert.True(reply.Payload.Span.SequenceEqual(payload), $"call {i} got another call's echo");
        }))).WaitAsync(TimeSpan.FromSeconds(50));

        var statistics = client.GetStatistics();
        Assert.Equal(calls, statistics.Echoes);
        Assert.Equal(0, statistics.Timeouts);
        Assert.Equal(0, client.PendingCount + client.QueuedCount);
    }
}
