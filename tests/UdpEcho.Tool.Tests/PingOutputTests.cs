using System.Globalization;
using System.Net;
using System.Text.Json;

namespace UdpEcho.Tool.Tests;

/// <summary><c>udpecho ping</c>'s warm-up, rate, truncation, files and closed output.</summary>
public sealed class PingOutputTests : IDisposable
{
    private const int Timeout = 20_000;
    private readonly string _directory = Directory.CreateTempSubdirectory("udpecho-ping-").FullName;

    [Fact(Timeout = Timeout)]
    public async Task Ping_WarmUp_ItsLinesSaySoAndTheStatisticsLeaveThemOut()
    {
        await using var server = await PingCommandTests.StartServerAsync(IPAddress.Loopback);
        var output = new LineWriter();

        var exitCode = await UdpEchoCommand.RunAsync(["ping", server.LocalEndPoint!.ToString(), "-c", "3", "--warmup", "2", "--interval", "0"], output, new LineWriter(), CancellationToken.None);

        Assert.Equal(0, exitCode);
        Assert.Matches(@"seq=0 time=\d+\.\d{3} ms \(warm-up\)$", output.Lines[1]);
        Assert.Matches(@"seq=1 time=\d+\.\d{3} ms \(warm-up\)$", output.Lines[2]);
        Assert.Contains("seq=2 time=", output.Lines[3], StringComparison.Ordinal);
        Assert.DoesNotContain("warm-up", output.Lines[3], StringComparison.Ordinal);
        Assert.StartsWith("3 sent, 3 received, 0% loss", output.Lines[7], StringComparison.Ordinal);
    }

    [Fact(Timeout = Timeout)]
    public async Task Ping_Rate_SendsThatManyPerSecond()
    {
        await using var server = await PingCommandTests.StartServerAsync(IPAddress.Loopback);
        var output = new LineWriter();

        var exitCode = await UdpEchoCommand.RunAsync(["ping", server.LocalEndPoint!.ToString(), "-c", "21", "--rate", "200", "--json"], output, new LineWriter(), CancellationToken.None);

        Assert.Equal(0, exitCode);
        using var document = JsonDocument.Parse(string.Join('\n', output.Lines));

        // 20 intervals of 5 ms: never sooner; later only by the lateness of the last send.
        Assert.InRange(document.RootElement.GetProperty("durationSeconds").GetDouble(), 0.1, 0.2);
        Assert.InRange(document.RootElement.GetProperty("achievedRate").GetDouble(), 100, 200.001);
    }

    [Fact(Timeout = Timeout)]
    public async Task Ping_ServerKeeping100Bytes_Json_ReportsEveryMessageTruncated()
    {
        using var server = new TruncatingServer(keep: 100);
        var output = new LineWriter();

        var exitCode = await UdpEchoCommand.RunAsync(["ping", server.EndPoint.ToString(), "--size", "200", "--count", "5", "--interval", "0", "--json"], output, new LineWriter(), CancellationToken.None);

        Assert.Equal(1, exitCode);
        using var document = JsonDocument.Parse(string.Join('\n', output.Lines));
        var root = document.RootElement;
        Assert.Equal(5, root.GetProperty("truncated").GetInt64());
        Assert.Equal(0, root.GetProperty("corrupt").GetInt64());
        Assert.Equal(5, root.GetProperty("lost").GetInt64());
        Assert.Equal(0, root.GetProperty("unreachable").GetInt64());
    }

    [Fact(Timeout = Timeout)]
    public async Task Ping_ServerKeeping100Bytes_Text_SaysTruncatedOnEachLine()
    {
        using var server = new TruncatingServer(keep: 100);
        var output = new LineWriter();

        await UdpEchoCommand.RunAsync(["ping", server.EndPoint.ToString(), "--size", "200", "--count", "2", "--interval", "0"], output, new LineWriter(), CancellationToken.None);

        Assert.Equal($"100 bytes from {server.EndPoint}: seq=0 truncated: 100 of the 200 bytes sent came back", output.Lines[1]);
        Assert.Equal("2 sent, 0 received, 100% loss, 0 duplicates, 0 reordered, 0 late, 0 corrupt, 2 truncated, 0 unreachable", output.Lines[4]);
    }

    [Fact(Timeout = Timeout)]
    public async Task Ping_HgrmAndSamples_WriteHdrHistogramsFormatAndOneJsonLinePerMessage()
    {
        await using var server = await PingCommandTests.StartServerAsync(IPAddress.Loopback);
        var hgrm = Path.Combine(_directory, "ping.hgrm");
        var samples = Path.Combine(_directory, "ping.jsonl");

        var exitCode = await UdpEchoCommand.RunAsync(["ping", server.LocalEndPoint!.ToString(), "-c", "5", "--interval", "0", "--warmup", "1", "--hgrm", hgrm, "--samples", samples, "-q"], new LineWriter(), new LineWriter(), CancellationToken.None);

        Assert.Equal(0, exitCode);
        var table = await File.ReadAllLinesAsync(hgrm);
        Assert.Equal("       Value     Percentile TotalCount 1/(1-Percentile)", table[0]);
        Assert.Matches(@"^ +\d+\.\d{3} 1\.000000000000 +5$", table[^4]);
        Assert.StartsWith("#[Mean    = ", table[^3], StringComparison.Ordinal);
        Assert.EndsWith("Total count    =            5]", table[^2], StringComparison.Ordinal);

        var lines = await File.ReadAllLinesAsync(samples);
        Assert.Equal(5, lines.Length);
        var previous = -1.0;
        for (var i = 0; i < lines.Length; i++)
        {
            using var sample = JsonDocument.Parse(lines[i]);
            var root = sample.RootElement;
            Assert.Equal(i + 1, root.GetProperty("sequence").GetInt64()); // the warm-up message is left out
            Assert.Equal("answered", root.GetProperty("outcome").GetString());
            Assert.True(root.GetProperty("rttMicroseconds").GetDouble() > 0);
            var sent = root.GetProperty("sendTimeMicroseconds").GetDouble();
            Assert.True(sent > previous);
            previous = sent;
        }
    }

    [Fact(Timeout = Timeout)]
    public async Task Ping_HgrmInADirectoryThatIsNotThere_UsageErrorBeforeAnythingIsSent()
    {
        var error = new LineWriter();
        var path = Path.Combine(_directory, "missing", "ping.hgrm");

        var exitCode = await UdpEchoCommand.RunAsync(["ping", "127.0.0.1:9", "-c", "1", "--hgrm", path], new LineWriter(), error, CancellationToken.None);

        Assert.Equal(2, exitCode);
        Assert.StartsWith($"udpecho: cannot write '{path}'", Assert.Single(error.Lines), StringComparison.Ordinal);
    }

    [Fact(Timeout = Timeout)]
    public async Task Ping_OutputClosedUnderIt_EndsQuietlyWithTheExitCodeOfABrokenPipe()
    {
        await using var server = await PingCommandTests.StartServerAsync(IPAddress.Loopback);
        var output = new ClosingWriter(afterLines: 3);
        var error = new LineWriter();

        // No --count: only the closed output can end it.
        var exitCode = await UdpEchoCommand.RunAsync(["ping", server.LocalEndPoint!.ToString(), "--interval", "10"], output, error, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(141, exitCode);
        Assert.Empty(error.Lines);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>A reader that goes away after <c>afterLines</c> lines, as <c>head -3</c> does: later writes fail.</summary>
    private sealed class ClosingWriter(int afterLines) : StringWriter(CultureInfo.InvariantCulture)
    {
        private int _lines;

        public override Task WriteLineAsync(string? value)
        {
            if (Interlocked.Increment(ref _lines) > afterLines)
            {
                throw new IOException("Broken pipe");
            }

            return base.WriteLineAsync(value);
        }
    }
}
