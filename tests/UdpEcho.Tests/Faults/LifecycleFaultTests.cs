using System.Net;
using UdpEcho.Tests.Infrastructure;

namespace UdpEcho.Tests.Faults;

/// <summary>Counts file descriptors and the managed heap: runs alone, so that no other test opens sockets meanwhile.</summary>
[Collection(nameof(Server.AllocationMeasurementCollection))]
public abstract class LifecycleFaultTests(UdpEchoServerEngine engine)
{
    [Fact(Timeout = TestTimeouts.Long)]
    public async Task StartStop_ThousandCyclesOnOnePort_LeaksNoDescriptorsOrMemory()
    {
        int port;
        await using (var probe = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine }))
        {
            port = probe.LocalEndPoint!.Port;
        }

        await using var server = new UdpEchoServer(new UdpEchoServerOptions { Engine = engine, Address = IPAddress.Loopback, Port = port });
        using var client = new RawUdpSocket();

        // A first cycle (and an echo) creates what lives for the process: thread-pool threads, epoll, caches.
        await CycleAsync(server, client, echo: true);

        // Sockets other tests left to the finalizer would close during the measurement and hide a leak: close them first.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        var descriptorsBefore = Descriptors();

        for (var i = 0; i < 1000; i++)
        {
            await CycleAsync(server, client, echo: i % 100 == 0);
        }

        var descriptorsAfter = Descriptors();
        var memoryAfter = GC.GetTotalMemory(forceFullCollection: true);

        // A leak can only add descriptors; other tests' children and sockets may still close some meanwhile.
        Assert.True(descriptorsAfter - descriptorsBefore <= 2, $"Open descriptors went from {descriptorsBefore} to {descriptorsAfter} over 1000 cycles.");
        Assert.True(memoryAfter - memoryBefore < 1_000_000, $"The managed heap grew from {memoryBefore} to {memoryAfter} bytes over 1000 cycles.");
    }

    private static async Task CycleAsync(UdpEchoServer server, RawUdpSocket client, bool echo)
    {
        await server.StartAsync().WaitAsync(TestTimeouts.Await);
        if (echo)
        {
            Assert.Equal(new byte[] { 1 }, (await client.SendAndReceiveAsync(new byte[] { 1 }, server.Target())).Payload);
        }

        await server.StopAsync().WaitAsync(TestTimeouts.Await);
    }

    private static int Descriptors() =>
        OperatingSystem.IsLinux() ? Directory.GetFiles("/proc/self/fd").Length : 0;
}

/// <summary>The tests above on the batched engine (Linux <c>recvmmsg</c>/<c>sendmmsg</c>).</summary>
[Collection(nameof(Server.AllocationMeasurementCollection))]
public sealed class LifecycleFaultTestsOnBatchedEngine() : LifecycleFaultTests(UdpEchoServerEngine.Batched);

/// <summary>The tests above on the portable engine (<c>ReceiveFromAsync</c>/<c>SendToAsync</c>).</summary>
[Collection(nameof(Server.AllocationMeasurementCollection))]
public sealed class LifecycleFaultTestsOnPortableEngine() : LifecycleFaultTests(UdpEchoServerEngine.Portable);
