using System.Net;
using System.Net.Sockets;

namespace UdpEcho.Tool.Tests;

/// <summary><c>udpecho bench</c>'s positional server, <c>--max-loss</c> for CI scripts, and <c>--hgrm</c>.</summary>
public sealed class BenchOptionsTests
{
    private const int Timeout = 20_000;

    [Theory(Timeout = Timeout)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Bench_ServerAsHostPortOrTarget_BothWork(bool asOption)
    {
        await using var server = await PingCommandTests.StartServerAsync(IPAddress.Loopback);
        var output = new LineWriter();
        var target = server.LocalEndPoint!.ToString();
        string[] args = asOption ? ["bench", "--target", target, "-d", "0.2"] : ["bench", target, "-d", "0.2"];

        var exitCode = await UdpEchoCommand.RunAsync(args, output, new LineWriter(), CancellationToken.None);

        Assert.Equal(0, exitCode);
        Assert.Equal($"--- {target} udpecho bench statistics ---", output.Lines[1]);
    }

    [Fact(Timeout = Timeout)]
    public async Task Bench_MaxLoss_LossAboveIt_Exits1SayingSo()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var error = new LineWriter();

        var exitCode = await UdpEchoCommand.RunAsync(["bench", silent.LocalEndPoint!.ToString()!, "-d", "0.2", "-w", "4", "--timeout", "50", "--max-loss", "10", "--json"], new LineWriter(), error, CancellationToken.None);

        Assert.Equal(1, exitCode);
        Assert.Equal("udpecho: 100% of the datagrams were lost, more than --max-loss 10%.", Assert.Single(error.Lines));
    }

    [Fact(Timeout = Timeout)]
    public async Task Bench_MaxLoss_NothingLost_Exits0AndWritesTheHgrm()
    {
        await using var server = await PingCommandTests.StartServerAsync(IPAddress.Loopback);
        var hgrm = Path.Combine(Path.GetTempPath(), $"udpecho-bench-{Guid.NewGuid():N}.hgrm");
        try
        {
            var exitCode = await UdpEchoCommand.RunAsync(["bench", server.LocalEndPoint!.ToString(), "-d", "0.2", "--mode", "pingpong", "--max-loss", "0", "--hgrm", hgrm], new LineWriter(), new LineWriter(), CancellationToken.None);

            Assert.Equal(0, exitCode);
            var table = await File.ReadAllLinesAsync(hgrm);
            Assert.Equal("       Value     Percentile TotalCount 1/(1-Percentile)", table[0]);
            Assert.StartsWith("#[Buckets = ", table[^1], StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(hgrm);
        }
    }
}
