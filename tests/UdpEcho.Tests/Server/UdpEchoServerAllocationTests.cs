using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using UdpEcho.Tests.Infrastructure;

namespace UdpEcho.Tests.Server;

/// <summary>
/// Runs alone: <see cref="GC.GetTotalAllocatedBytes(bool)"/> counts every thread of the process, so another test
/// running beside this one would be measured too.
/// </summary>
[CollectionDefinition(nameof(AllocationMeasurementCollection), DisableParallelization = true)]
public sealed class AllocationMeasurementCollection;

/// <summary>With nobody subscribed to <see cref="UdpEchoServer.MessageReceived"/>, echoing a datagram allocates nothing.</summary>
[Collection(nameof(AllocationMeasurementCollection))]
public abstract class UdpEchoServerAllocationTests(UdpEchoServerEngine engine)
{
    private const int WarmUpEchoes = 2_000;
    private const int Windows = 5;
    private const int EchoesPerWindow = 4_000;

    // The process allocates now and then on its own (thread pool, timers, the test runner): a few KB that land in
    // one window or another and do not grow with the number of echoes. An allocation per datagram lands in every
    // window, at least 24 bytes (the smallest object) x 4,000; an IPEndPoint per datagram would be 160 KB or more.
    // So the quietest window must stay under one byte per datagram.
    private const long AllowedBytesPerWindow = EchoesPerWindow;

    [Theory(Timeout = TestTimeouts.Long)]
    [InlineData(AddressFamily.InterNetwork)]
    [InlineData(AddressFamily.InterNetworkV6)]
    public async Task Echo_NoSubscribers_AllocatesNothingPerDatagram(AddressFamily family)
    {
        var address = family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        await MeasureAsync(family, new UdpEchoServerOptions { Engine = engine, Address = address });
    }

    /// <summary>The loop defence, address checks, an allow-list and both rate limits (high enough to drop nothing), in steady state.</summary>
    [Theory(Timeout = TestTimeouts.Long)]
    [InlineData(AddressFamily.InterNetwork)]
    [InlineData(AddressFamily.InterNetworkV6)]
    public async Task Echo_PoliciesOn_AllocatesNothingPerDatagram(AddressFamily family)
    {
        var address = family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        var options = new UdpEchoServerOptions { Engine = engine, Address = address, RateLimitPerSource = 1e9, GlobalRateLimit = 1e9 };
        // The network's base address has no bits past the prefix: .NET 8 refuses 127.0.0.1/8 where .NET 9 masks it.
        options.AllowedSources.Add(IPNetwork.Parse(family == AddressFamily.InterNetworkV6 ? "::1/128" : "127.0.0.0/8"));
        await MeasureAsync(family, options);
    }

    private static async Task MeasureAsync(AddressFamily family, UdpEchoServerOptions options)
    {
        var address = options.Address;
        await using var server = await ServerTesting.StartServerAsync(options);
        using var client = new Socket(family, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = (int)TestTimeouts.Await.TotalMilliseconds };
        client.Bind(new IPEndPoint(address, 0));
        var target = server.Target(family).Serialize();
        var from = new SocketAddress(family);
        var allocated = new long[Windows];

        var mismatches = await Task.Run(() =>
        {
            var mismatches = EchoMany(client, target, from, WarmUpEchoes);
            for (var window = 0; window < Windows; window++)
            {
                var before = GC.GetTotalAllocatedBytes(precise: true);
                mismatches += EchoMany(client, target, from, EchoesPerWindow);
                allocated[window] = GC.GetTotalAllocatedBytes(precise: true) - before;
            }

            return mismatches;
        }).WaitAsync(TimeSpan.FromSeconds(40));

        Assert.Equal(0, mismatches);
        Assert.True(
            allocated.Min() < AllowedBytesPerWindow,
            $"Every window of {EchoesPerWindow} echoes allocated: {string.Join(", ", allocated)} bytes.");
        await server.StopAsync().WaitAsync(TestTimeouts.Await);
        Assert.Equal(WarmUpEchoes + (Windows * EchoesPerWindow), server.GetStatistics().DatagramsEchoed);
    }

    /// <summary>Lock-step echoes through the span and <see cref="SocketAddress"/> overloads, which allocate nothing themselves.</summary>
    private static int EchoMany(Socket client, SocketAddress target, SocketAddress from, int count)
    {
        Span<byte> payload = stackalloc byte[64];
        Span<byte> reply = stackalloc byte[128];
        var mismatches = 0;
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(payload, i);
            client.SendTo(payload, SocketFlags.None, target);
            var received = client.ReceiveFrom(reply, SocketFlags.None, from);
            if (received != payload.Length || !reply[..received].SequenceEqual(payload) || !from.Equals(target))
            {
                mismatches++;
            }
        }

        return mismatches;
    }
}

/// <summary>The tests above on the batched engine (Linux <c>recvmmsg</c>/<c>sendmmsg</c>).</summary>
[Collection(nameof(AllocationMeasurementCollection))]
public sealed class UdpEchoServerAllocationTestsOnBatchedEngine() : UdpEchoServerAllocationTests(UdpEchoServerEngine.Batched);

/// <summary>The tests above on the portable engine (<c>ReceiveFromAsync</c>/<c>SendToAsync</c>).</summary>
[Collection(nameof(AllocationMeasurementCollection))]
public sealed class UdpEchoServerAllocationTestsOnPortableEngine() : UdpEchoServerAllocationTests(UdpEchoServerEngine.Portable);
