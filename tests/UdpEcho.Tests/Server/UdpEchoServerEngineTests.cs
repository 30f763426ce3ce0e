using System.Globalization;
using UdpEcho.Tests.Infrastructure;
using UdpEcho.Transport;
using UdpEcho.Transport.Linux;

namespace UdpEcho.Tests.Server;

/// <summary>Which engine runs, and what the batched engine costs while there is nothing to echo.</summary>
[Collection(nameof(AllocationMeasurementCollection))]
public sealed class UdpEchoServerEngineTests
{
    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(UdpEchoServerEngine.Automatic)]
    [InlineData(UdpEchoServerEngine.Batched)]
    [InlineData(UdpEchoServerEngine.Portable)]
    public async Task Start_Engine_RunsTheOneAskedFor(UdpEchoServerEngine engine)
    {
        Assert.True(LinuxSockets.IsSupported, "these tests run on 64-bit Linux, where the batched engine exists");
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine });

        var expected = engine == UdpEchoServerEngine.Portable ? typeof(PortableEchoEngine) : typeof(BatchedEchoEngine);
        Assert.IsType(expected, server.RunningEngine);
        await server.StopAsync().WaitAsync(TestTimeouts.Await);
        Assert.Null(server.RunningEngine);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Batched_BurstOfEqualSizedDatagrams_SentBackAsSegmentedMessages()
    {
        // The correctness of segmented echoes is in UdpEchoServerEchoTests (both engines); this shows that the batched
        // engine really takes that path, so those tests cover it.
        await using var server = await ServerTesting.StartServerAsync(
            new UdpEchoServerOptions { Engine = UdpEchoServerEngine.Batched, ReceiveBufferSize = RawUdpSocket.BufferSize });
        var engine = Assert.IsType<BatchedEchoEngine>(server.RunningEngine);
        using var client = new RawUdpSocket();
        for (var i = 0; i < 500; i++)
        {
            await client.SendAsync(ServerTesting.RandomPayload(64, seed: i), server.Target());
        }

        for (var i = 0; i < 500; i++)
        {
            Assert.Equal(ServerTesting.RandomPayload(64, seed: i), (await client.ReceiveAsync()).Payload);
        }

        await server.StopAsync().WaitAsync(TestTimeouts.Await);
        Assert.True(engine.SegmentedMessages > 0, "500 equal-sized datagrams in a burst went back without one segmented message");
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Batched_AfterTheLoadStops_ItsLoopParksAndUsesNoCpu()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = UdpEchoServerEngine.Batched });
        using var client = new RawUdpSocket();
        for (var i = 0; i < 1000; i++)
        {
            await client.SendAndReceiveAsync(new byte[64], server.Target());
        }

        // The loop spins for 50 µs after its last datagram, then parks in poll(). Over a second of silence a loop that
        // kept spinning would burn about 100 clock ticks (less under contention, but far above the limit).
        var loops = LoopThreadStats();
        Assert.NotEmpty(loops);
        var before = loops.Sum(CpuTicks);
        await Task.Delay(TimeSpan.FromSeconds(1));
        var used = loops.Sum(CpuTicks) - before;

        Assert.True(used <= 5, $"the idle receive loop used {used} clock ticks (1/100 s each) in one second; at most 5% of a core is allowed");
        Assert.True(server.IsRunning);
        var echo = await client.SendAndReceiveAsync(new byte[] { 7 }, server.Target());
        Assert.Equal(new byte[] { 7 }, echo.Payload);
    }

    /// <summary>
    /// The /proc stat files of the batched receive loops' threads (Linux cuts thread names to 15 characters). Tests that
    /// might run beside this one are in other collections, which finish first; a loop of an earlier test that is just
    /// ending is idle too, so counting it changes nothing.
    /// </summary>
    private static string[] LoopThreadStats() => Directory.GetDirectories("/proc/self/task")
        .Where(task => ReadOrEmpty(Path.Combine(task, "comm")).TrimEnd('\n') == "UdpEcho receive")
        .Select(task => Path.Combine(task, "stat"))
        .ToArray();

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return string.Empty; // the thread ended in the meantime
        }
    }

    /// <summary>User plus system time of a thread, in clock ticks (fields 14 and 15 of its stat line).</summary>
    private static long CpuTicks(string statPath)
    {
        var stat = ReadOrEmpty(statPath);
        if (stat.Length == 0)
        {
            return 0;
        }

        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }
}
