using System.Globalization;

namespace UdpEcho.Tool.Tests;

/// <summary>The loop guard never takes the tool's own measurements for a loop: every probe is tagged, so no two datagrams are alike.</summary>
public sealed class LoopGuardTests
{
    [Fact(Timeout = 30_000)]
    public async Task PingAndBench_AgainstAServerWithTheGuardOn_NothingDropped()
    {
        await using var server = new UdpEchoServer(new UdpEchoServerOptions { LoopGuard = UdpEchoLoopGuard.On, ReceiveLoops = 1 });
        await server.StartAsync();
        var target = $"127.0.0.1:{server.LocalEndPoint!.Port.ToString(CultureInfo.InvariantCulture)}";

        var ping = await UdpEchoCommand.RunAsync(["ping", target, "--count", "200", "--interval", "0"], new LineWriter(), new LineWriter(), CancellationToken.None);
        var bench = await UdpEchoCommand.RunAsync(["bench", "--target", target, "--duration", "1", "--json"], new LineWriter(), new LineWriter(), CancellationToken.None);
        await server.StopAsync();

        Assert.Equal(0, ping);
        Assert.Equal(0, bench);
        var statistics = server.GetStatistics();
        Assert.True(statistics.DatagramsEchoed > 200, statistics.ToString());
        Assert.Equal(0, statistics.DroppedByLoopGuard);
    }
}
