using System.Globalization;
using System.Net;
using UdpEcho.Tests.Infrastructure;

namespace UdpEcho.Tests.Faults;

/// <summary>
/// Random datagrams (0 to 65,507 bytes, mostly small) from 16 sockets on 16 loopback addresses: every echo must be
/// byte-exact and the server must keep running. A few thousand in <c>dotnet test</c>; for a million run
/// <c>UDPECHO_FUZZ_COUNT=1000000 dotnet test tests/UdpEcho.Tests --filter FullyQualifiedName~FuzzTests</c> (see docs/reliability.md).
/// </summary>
public abstract class FuzzTests(UdpEchoServerEngine engine)
{
    private const int Sockets = 16;

    [Fact(Timeout = 3_600_000)]
    public async Task Echo_RandomDatagramsFromManySources_EveryEchoExact()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("UDPECHO_FUZZ_COUNT"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 3_000;
        var seed = Environment.TickCount;
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine });

        var workers = Enumerable.Range(0, Sockets).Select(i => Task.Run(async () =>
        {
            using var socket = new RawUdpSocket(IPAddress.Parse($"127.0.1.{i + 1}"));
            var random = new Random(seed + i);
            var payload = new byte[UdpEchoServerOptions.MaxIPv4DatagramSize];
            for (var k = i; k < count; k += Sockets)
            {
                var size = NextSize(random);
                random.NextBytes(payload.AsSpan(0, size));
                var reply = await EchoWithRetryAsync(socket, payload.AsMemory(0, size), server.Target());
                if (!reply.Payload.AsSpan().SequenceEqual(payload.AsSpan(0, size)))
                {
                    throw new InvalidOperationException($"Datagram {k} of {size} bytes (seed {seed}) came back as {reply.Payload.Length} different bytes.");
                }
            }
        })).ToArray();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(Math.Max(30, count / 500)));

        Assert.True(server.IsRunning);
        await server.StopAsync().WaitAsync(TestTimeouts.Await); // an echo can arrive before its sender counts it
        var statistics = server.GetStatistics();
        Assert.True(statistics.DatagramsEchoed >= count, $"{statistics.DatagramsEchoed} echoes for {count} datagrams.");
        Assert.Equal(0, statistics.DatagramsDropped);
    }

    /// <summary>
    /// Sixteen 64 KB datagrams at once can overflow the server's socket buffer (the kernel drops, not the server), so
    /// an echo that does not come back within a second is asked for again. Lock-step per socket: any echo that does
    /// arrive is of this very payload, so it must be byte-exact.
    /// </summary>
    private static async Task<Datagram> EchoWithRetryAsync(RawUdpSocket socket, ReadOnlyMemory<byte> payload, IPEndPoint target)
    {
        var buffer = new byte[65536];
        for (var attempt = 0; ; attempt++)
        {
            await socket.SendAsync(payload, target);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                var result = await socket.Socket.ReceiveFromAsync(buffer, System.Net.Sockets.SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token);
                return new Datagram(buffer[..result.ReceivedBytes], (IPEndPoint)result.RemoteEndPoint);
            }
            catch (OperationCanceledException) when (attempt < 4)
            {
            }
        }
    }

    /// <summary>Mostly small (like real traffic), sometimes a jumbo frame's worth, now and then the largest IPv4 datagram or an empty one.</summary>
    private static int NextSize(Random random) => random.Next(100) switch
    {
        < 2 => 0,
        < 80 => random.Next(1, 1473),
        < 95 => random.Next(1473, 9001),
        < 98 => random.Next(9001, UdpEchoServerOptions.MaxIPv4DatagramSize),
        _ => UdpEchoServerOptions.MaxIPv4DatagramSize,
    };
}

/// <summary>The tests above on the batched engine (Linux <c>recvmmsg</c>/<c>sendmmsg</c>).</summary>
public sealed class FuzzTestsOnBatchedEngine() : FuzzTests(UdpEchoServerEngine.Batched);

/// <summary>The tests above on the portable engine (<c>ReceiveFromAsync</c>/<c>SendToAsync</c>).</summary>
public sealed class FuzzTestsOnPortableEngine() : FuzzTests(UdpEchoServerEngine.Portable);
