using System.Globalization;
using System.Net;

namespace UdpEcho.Tests.Samples;

/// <summary>
/// Each sample against the original C program of the other side, compiled from Seed/ by <see cref="SeedPrograms"/>:
/// whoever still runs one of the originals can switch the other side to a sample.
/// </summary>
public sealed class SeedInteropTests(SeedPrograms seed) : IClassFixture<SeedPrograms>
{
    [Fact(Timeout = TestTimeouts.Long)]
    public async Task EchoClient_AgainstSeedServer_PrintsReceivedPerLineAndExitsWith0()
    {
        var port = LoopbackPorts.GetFreeUdpPort().ToString(CultureInfo.InvariantCulture);
        await using var seedServer = SampleProcess.Start(SeedPrograms.StdbufPath, "-oL", seed.ServerPath, port);
        await WaitUntilEchoingAsync(new IPEndPoint(IPAddress.Loopback, int.Parse(port, CultureInfo.InvariantCulture)));

        // Short, non-empty lines: the original server echoes at most 511 bytes and exits on a zero-length datagram.
        await using var client = SampleProcess.StartSample("EchoClient", "127.0.0.1", port);
        await client.WriteLinesAndCloseAsync("hello", "from the sample");

        Assert.Equal(0, await client.WaitForExitAsync());
        Assert.Equal(["This is a UDP client", "received:hello", "received:from the sample"], client.StdoutLines);
        Assert.Empty(client.StderrLines);
        await seedServer.WaitForLineAsync(l => l.StartsWith("127.0.0.1 ", StringComparison.Ordinal) && l.EndsWith(" says: hello", StringComparison.Ordinal), "the seed server's line for hello");
        await seedServer.WaitForLineAsync(l => l.EndsWith(" says: from the sample", StringComparison.Ordinal), "the seed server's line for the second line");
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task SeedClient_AgainstEchoServer_PrintsReceivedPerLine()
    {
        var (server, port) = await SampleProcess.StartEchoServerAsync();
        await using var _ = server;
        await using var seedClient = SampleProcess.Start(
            SeedPrograms.StdbufPath, "-oL", seed.ClientPath, "127.0.0.1", port.ToString(CultureInfo.InvariantCulture));

        // Stdin stays open: at end of input the original client sends its last line again forever (its bug, kept
        // as it was). It waits in gets() instead, and disposing kills it.
        await seedClient.Input.WriteLineAsync("hello").WaitAsync(TestTimeouts.Await);
        await seedClient.WaitForLineAsync("received:hello");
        await seedClient.Input.WriteLineAsync("to the sample").WaitAsync(TestTimeouts.Await);
        await seedClient.WaitForLineAsync("received:to the sample");

        Assert.Equal(["This is a UDP client", "received:hello", "received:to the sample"], seedClient.StdoutLines);
        Assert.Empty(seedClient.StderrLines);
        var said = await server.WaitForLineAsync(l => l.StartsWith("127.0.0.1 ", StringComparison.Ordinal) && l.EndsWith(" says: hello", StringComparison.Ordinal), "the line for hello");
        var senderPort = said.Split(' ')[1];
        await server.WaitForLineAsync($"127.0.0.1 {senderPort} says: to the sample");
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task SeedClient_SameLineTwice_LoopGuardOn_BothEchoed()
    {
        // The loop guard must not take a person repeating themselves for an echo server bouncing a datagram back.
        await using var server = new UdpEchoServer(new UdpEchoServerOptions { LoopGuard = UdpEchoLoopGuard.On, ReceiveLoops = 1 });
        await server.StartAsync().WaitAsync(TestTimeouts.Await);
        await using var seedClient = SampleProcess.Start(
            SeedPrograms.StdbufPath, "-oL", seed.ClientPath, "127.0.0.1", server.LocalEndPoint!.Port.ToString(CultureInfo.InvariantCulture));

        await seedClient.Input.WriteLineAsync("same").WaitAsync(TestTimeouts.Await);
        await seedClient.WaitForLineAsync("received:same");
        await seedClient.Input.WriteLineAsync("same").WaitAsync(TestTimeouts.Await);
        await seedClient.WaitForLineAsync("received:same"); // the second: lines are read in order

        Assert.Equal(0, server.GetStatistics().DroppedByLoopGuard);
    }

    /// <summary>
    /// The original server prints its banner before it binds, so nothing it prints says it is ready: ask it for
    /// echoes until one comes back. Before it binds, each probe fails at once with ICMP port unreachable.
    /// </summary>
    private static async Task WaitUntilEchoingAsync(IPEndPoint endPoint)
    {
        using var deadline = new CancellationTokenSource(TestTimeouts.Await);
        try
        {
            while (true)
            {
                await using var probe = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = endPoint, Timeout = TimeSpan.FromMilliseconds(200) });
                try
                {
                    await probe.SendAndReceiveAsync("ready?", deadline.Token);
                    return;
                }
                catch (Exception e) when (e is UdpEchoException or TimeoutException)
                {
                    // Not bound yet.
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"The seed server on {endPoint} did not echo within {TestTimeouts.Await.TotalSeconds} s.");
        }
    }
}
