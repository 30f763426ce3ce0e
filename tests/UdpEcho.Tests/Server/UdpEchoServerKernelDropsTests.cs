using System.Net;
using System.Net.Sockets;
using UdpEcho.Tests.Infrastructure;

namespace UdpEcho.Tests.Server;

/// <summary>Every datagram is accounted for: what the kernel dropped because the receive buffer was full is counted too.</summary>
public abstract class UdpEchoServerKernelDropsTests(UdpEchoServerEngine engine)
{
    private const int Blast = 3000;

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task BlastIntoASmallReceiveBuffer_ReceivedPlusKernelDropsIsWhatWasSent()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // Only Linux tells a socket's drop count.
        }

        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Engine = engine, ReceiveBufferSize = 16384 });

        // The first datagram's handler holds the loop until the blast is over: the socket's buffer fills and the kernel drops.
        using var release = new ManualResetEventSlim();
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.MessageReceived += (_, _) =>
        {
            if (first.TrySetResult())
            {
                release.Wait(TestTimeouts.Await);
            }
        };
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sender.Connect(server.Target());
        sender.Send(new byte[64]);
        await first.Task.WaitAsync(TestTimeouts.Await);
        for (var i = 0; i < Blast; i++)
        {
            sender.Send(new byte[64]);
        }

        var whileRunning = server.GetStatistics().DroppedByKernel;
        release.Set();
        await Conditions.WaitUntilAsync(
            () => server.GetStatistics() is var s && s.DatagramsReceived + s.DroppedByKernel >= Blast + 1, "every datagram to be received or counted as dropped");
        await server.StopAsync().WaitAsync(TestTimeouts.Await);

        var statistics = server.GetStatistics();
        Assert.True(whileRunning > 0, $"the kernel's drops were not visible while the server ran: {server.GetStatistics()}");
        Assert.True(statistics.DroppedByKernel > 0);
        Assert.Equal(Blast + 1, statistics.DatagramsReceived + statistics.DroppedByKernel);
        Assert.Equal(statistics.DatagramsReceived, statistics.DatagramsEchoed);
        Assert.Equal(0, statistics.DatagramsDropped); // not received, so not "dropped" by the server
    }
}

/// <summary>The tests above on the batched engine (<c>SO_RXQ_OVFL</c> per batch).</summary>
public sealed class UdpEchoServerKernelDropsTestsOnBatchedEngine() : UdpEchoServerKernelDropsTests(UdpEchoServerEngine.Batched);

/// <summary>The tests above on the portable engine (<c>SO_MEMINFO</c> when asked).</summary>
public sealed class UdpEchoServerKernelDropsTestsOnPortableEngine() : UdpEchoServerKernelDropsTests(UdpEchoServerEngine.Portable);
