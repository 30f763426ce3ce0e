using System.Buffers.Binary;
using System.Net;
using UdpEcho.Tests.Infrastructure;

namespace UdpEcho.Tests.Faults;

/// <summary>The client under cancellation storms and disposal, against a server that delays echoes so that calls are really in flight.</summary>
public sealed class ClientFaultTests
{
    [Fact(Timeout = TestTimeouts.Long)]
    public async Task SendAndReceiveAsync_ThousandsCancelledAtRandom_ClientStaysUsableAndTableEmpty()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions
        {
            Impairment = { Delay = TimeSpan.FromMilliseconds(2), Jitter = TimeSpan.FromMilliseconds(2) },
        });
        // Retries only matter for the last call: storm calls all end by echo or cancellation within milliseconds. A
        // 300-datagram wave can overflow the kernel's socket buffers, and the last call must not fail on such a drop:
        // usable means answering, not never losing a datagram on a loaded 2-core machine.
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.Target(), Timeout = TimeSpan.FromSeconds(1), Retries = 3 });
        var random = new Random(1234);
        var outcomes = new int[3]; // echoed, cancelled, other

        for (var wave = 0; wave < 10; wave++)
        {
            var calls = Enumerable.Range(0, 300).Select(async i =>
            {
                var payload = new byte[8];
                BinaryPrimitives.WriteInt64LittleEndian(payload, (wave * 1000L) + i);
                using var cts = new CancellationTokenSource();
                int delayMs;
                lock (random)
                {
                    delayMs = random.Next(-1, 5);
                }

                if (delayMs < 0)
                {
                    cts.Cancel();
                }
                else
                {
                    cts.CancelAfter(delayMs);
                }

                try
                {
                    var reply = await client.SendAndReceiveAsync(payload, cts.Token);
                    Assert.Equal(payload, reply.Payload.ToArray());
                    Interlocked.Increment(ref outcomes[0]);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref outcomes[1]);
                }
            }).ToArray();
            await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(10));
        }

        var after = await client.SendAndReceiveAsync("still works"u8.ToArray()).AsTask().WaitAsync(TestTimeouts.Await);

        Assert.Equal("still works"u8.ToArray(), after.Payload.ToArray());
        Assert.Equal(3000, outcomes[0] + outcomes[1]);
        Assert.True(outcomes[1] > 0, "No call was cancelled: the storm did not happen.");
        Assert.Equal(0, client.PendingCount);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task DisposeAsync_CallsInFlight_AllCompletePromptly()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions
        {
            TimeProvider = time, // Echoes wait for a clock that never moves: every call stays in flight.
            ShutdownTimeout = TimeSpan.Zero,
            Impairment = { Delay = TimeSpan.FromSeconds(1) },
        });
        var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.Target(), Timeout = TimeSpan.FromSeconds(30), MaxCallsInFlight = 100 });
        var calls = Enumerable.Range(0, 100).Select(i => client.SendAndReceiveAsync(BitConverter.GetBytes(i)).AsTask()).ToArray();
        await Conditions.WaitUntilAsync(() => server.GetStatistics().DatagramsReceived == 100);

        await client.DisposeAsync().AsTask().WaitAsync(TestTimeouts.Await);
        var all = Task.WhenAll(calls);
        await Assert.ThrowsAnyAsync<Exception>(() => all.WaitAsync(TimeSpan.FromSeconds(2)));

        Assert.All(calls, c => Assert.True(c.IsFaulted || c.IsCanceled));
        Assert.All(calls.Where(c => c.IsFaulted), c => Assert.IsType<ObjectDisposedException>(c.Exception!.InnerException));
        await server.StopAsync().WaitAsync(TestTimeouts.Await);
        Assert.Equal(100, server.GetStatistics().DroppedAtShutdown);
    }
}
