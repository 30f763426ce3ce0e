using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace UdpEcho.Tool.Tests;

public sealed partial class BenchCommandTests
{
    private const int Timeout = 20_000;

    [Fact(Timeout = Timeout)]
    public async Task Bench_Text_PrintsTheHeaderThenTheStatistics()
    {
        await using var server = await PingCommandTests.StartServerAsync(IPAddress.Loopback);
        var output = new LineWriter();
        var error = new LineWriter();
        var target = server.LocalEndPoint!.ToString();

        var exitCode = await UdpEchoCommand.RunAsync(["bench", "--target", target, "--duration", "0.2"], output, error, CancellationToken.None);

        Assert.Equal(0, exitCode);
        Assert.Empty(error.Lines);
        var lines = output.Lines;
        Assert.Equal($"UDPECHO bench {target}: flood, 64 bytes per datagram, window 64, 0.2 s", lines[0]);
        Assert.Equal($"--- {target} udpecho bench statistics ---", lines[1]);
        var counts = Regex.Match(lines[2], @"^(\d+) sent, \1 received, 0% loss, 0 corrupt, 0 truncated, 0 unmatched$");
        Assert.True(counts.Success, lines[2]);
        Assert.Matches(@"^\d+\.\d echoes/s in 0\.\d{3} s$", lines[3]);
        Assert.Matches(@"^rtt min/mean/max/stddev = \d+\.\d{3}/\d+\.\d{3}/\d+\.\d{3}/\d+\.\d{3} ms$", lines[4]);
        Assert.Matches(@"^rtt p50/p90/p99/p99\.9 = \d+\.\d{3}/\d+\.\d{3}/\d+\.\d{3}/\d+\.\d{3} ms$", lines[5]);
        HistogramAssert.Drawn(lines.Skip(6).ToList(), total: long.Parse(counts.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact(Timeout = Timeout)]
    public async Task Bench_Json_PrintsOnlyOneDocumentWithTheAgreedFields()
    {
        await using var server = await PingCommandTests.StartServerAsync(IPAddress.IPv6Loopback);
        var output = new LineWriter();
        var target = $"[::1]:{server.LocalEndPoint!.Port}";

        var exitCode = await UdpEchoCommand.RunAsync(
            ["bench", "-t", target, "--mode", "pingpong", "--size", "100", "--duration", "0.2", "--json"], output, new LineWriter(), interactive: true, CancellationToken.None);

        Assert.Equal(0, exitCode);
        using var document = JsonDocument.Parse(string.Join('\n', output.Lines));
        var root = document.RootElement;
        Assert.Equal(target, root.GetProperty("target").GetString());
        Assert.Equal(target, root.GetProperty("remoteEndPoint").GetString());
        Assert.Equal("pingpong", root.GetProperty("mode").GetString());
        Assert.Equal(100, root.GetProperty("size").GetInt32());
        Assert.Equal(1, root.GetProperty("window").GetInt32());
        var sent = root.GetProperty("sent").GetInt64();
        Assert.True(sent > 0);
        Assert.Equal(sent, root.GetProperty("received").GetInt64());
        Assert.Equal(0, root.GetProperty("lost").GetInt64());
        Assert.Equal(0, root.GetProperty("lossPercent").GetDouble());
        Assert.Equal(0, root.GetProperty("corrupt").GetInt64());
        Assert.Equal(0, root.GetProperty("unmatched").GetInt64());
        var elapsed = root.GetProperty("elapsedSeconds").GetDouble();
        Assert.InRange(elapsed, 0.2, 5);
        // Both printed rounded (elapsed to the microsecond, the rate to a tenth): equal to well within a millionth.
        Assert.Equal(sent / elapsed, root.GetProperty("echoesPerSecond").GetDouble(), Math.Max(0.1, sent / elapsed * 1e-5));
        var rtt = root.GetProperty("rttMicroseconds");
        var values = new[] { "min", "p50", "p90", "p99", "p999", "max" }.Select(p => rtt.GetProperty(p).GetDouble()).ToArray();
        Assert.True(values[0] > 0);
        Assert.Equal(values.Order(), values);
        Assert.InRange(rtt.GetProperty("mean").GetDouble(), values[0], values[^1]);
        Assert.True(rtt.GetProperty("stddev").GetDouble() >= 0);
        Assert.False(root.GetProperty("interrupted").GetBoolean());
    }

    [Fact(Timeout = Timeout)]
    public async Task Bench_SilentServer_EverythingLostExit1()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var output = new LineWriter();

        var exitCode = await UdpEchoCommand.RunAsync(["bench", "-t", silent.LocalEndPoint!.ToString()!, "-d", "0.2", "-w", "4", "--timeout", "50"], output, new LineWriter(), CancellationToken.None);

        Assert.Equal(1, exitCode);
        Assert.Matches(@"^\d+ sent, 0 received, 100% loss, 0 corrupt, 0 truncated, 0 unmatched$", output.Lines[2]);
        Assert.Matches(@"^0\.0 echoes/s in \d+\.\d{3} s$", output.Lines[3]);
        Assert.Equal(4, output.Lines.Count);
    }

    [Fact(Timeout = Timeout)]
    public async Task Bench_NothingListens_OneLineNamingTheEndpointExit1()
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        var error = new LineWriter();

        var exitCode = await UdpEchoCommand.RunAsync(["bench", "-t", $"127.0.0.1:{port}", "-d", "5", "--json"], new LineWriter(), error, CancellationToken.None);

        Assert.Equal(1, exitCode);
        Assert.Equal($"udpecho: No UDP echo server is listening at 127.0.0.1:{port}: the destination reported it unreachable (ConnectionRefused).", Assert.Single(error.Lines));
    }


    [Fact(Timeout = Timeout)]
    public async Task Bench_Interrupted_PrintsWhatWasMeasuredAndExits0()
    {
        await using var server = await PingCommandTests.StartServerAsync(IPAddress.Loopback);
        var thousandth = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = 0;
        server.MessageReceived += (_, _) =>
        {
            if (Interlocked.Increment(ref seen) == 1000)
            {
                thousandth.TrySetResult();
            }
        };
        var output = new LineWriter();
        using var stop = new CancellationTokenSource();

        var run = UdpEchoCommand.RunAsync(["bench", "-t", server.LocalEndPoint!.ToString(), "-d", "60", "--json"], output, new LineWriter(), stop.Token);
        await thousandth.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        var exitCode = await run.WaitAsync(TimeSpan.FromSeconds(10));

        // The thousandth datagram left only once all but a window of the ones before had been answered.
        Assert.Equal(0, exitCode);
        using var document = JsonDocument.Parse(string.Join('\n', output.Lines));
        var root = document.RootElement;
        Assert.True(root.GetProperty("interrupted").GetBoolean());
        Assert.True(root.GetProperty("received").GetInt64() >= 1000 - 64);
        Assert.Equal(root.GetProperty("sent").GetInt64(), root.GetProperty("received").GetInt64());
        Assert.InRange(root.GetProperty("elapsedSeconds").GetDouble(), 0, 30);
    }

    [Fact(Timeout = Timeout)]
    public async Task Bench_OnATerminal_DrawsAProgressLineThenClearsIt()
    {
        await using var server = await PingCommandTests.StartServerAsync(IPAddress.Loopback);
        using var output = new StringWriter();

        var exitCode = await UdpEchoCommand.RunAsync(["bench", "-t", server.LocalEndPoint!.ToString(), "-d", "0.4"], output, new LineWriter(), interactive: true, CancellationToken.None);

        Assert.Equal(0, exitCode);
        var text = output.ToString();
        Assert.Matches(ProgressLine(), text);
        Assert.Contains(" received, 0% loss, 0 corrupt, 0 truncated, 0 unmatched", text, StringComparison.Ordinal);
    }

    [Theory(Timeout = Timeout)]
    [InlineData(false, "--mode")]
    [InlineData(true, "--json")]
    public async Task Bench_RedirectedOrJson_NeverDrawsProgress(bool interactive, string option)
    {
        await using var server = await PingCommandTests.StartServerAsync(IPAddress.Loopback);
        using var output = new StringWriter();
        string[] args = option == "--json"
            ? ["bench", "-t", server.LocalEndPoint!.ToString(), "-d", "0.3", "--json"]
            : ["bench", "-t", server.LocalEndPoint!.ToString(), "-d", "0.3", "--mode", "flood"];

        var exitCode = await UdpEchoCommand.RunAsync(args, output, new LineWriter(), interactive, CancellationToken.None);

        Assert.Equal(0, exitCode);
        Assert.DoesNotContain("\r", output.ToString(), StringComparison.Ordinal);
    }

    [Theory(Timeout = Timeout)]
    [InlineData(new[] { "bench" }, "Required argument missing: HOST:PORT")]
    [InlineData(new[] { "bench", "127.0.0.1:7", "--target", "127.0.0.1:8" }, "Give the server once: as HOST:PORT or with --target, not both")]
    [InlineData(new[] { "bench", "127.0.0.1:7", "--size", "65520" }, "--size 65520 is too large for the IPv4 address 127.0.0.1")]
    [InlineData(new[] { "bench", "127.0.0.1:7", "--max-loss", "101" }, "--max-loss '101' is not a percentage from 0 to 100")]
    [InlineData(new[] { "bench", "999.1.1.1:7" }, "'999.1.1.1' in '999.1.1.1:7' is not an IPv4 address")]
    [InlineData(new[] { "bench", "--target", "127.0.0.1" }, "'127.0.0.1' has no port: use HOST:PORT")]
    [InlineData(new[] { "bench", "-t", "[::1]:0" }, "'0' in '[::1]:0' is not a port from 1 to 65535")]
    [InlineData(new[] { "bench", "-t", "127.0.0.1:7", "--mode", "storm" }, "--mode 'storm' is not flood or pingpong")]
    [InlineData(new[] { "bench", "-t", "127.0.0.1:7", "--size", "-1" }, "--size '-1' is not a whole number from 0 to 65527")]
    [InlineData(new[] { "bench", "-t", "127.0.0.1:7", "--size", "65528" }, "--size '65528' is not a whole number from 0 to 65527")]
    [InlineData(new[] { "bench", "-t", "127.0.0.1:7", "--duration", "0" }, "--duration '0' is not a number of seconds greater than 0")]
    [InlineData(new[] { "bench", "-t", "127.0.0.1:7", "--duration", "soon" }, "--duration 'soon' is not a number of seconds")]
    [InlineData(new[] { "bench", "-t", "127.0.0.1:7", "--window", "0" }, "--window '0' is not a whole number from 1 to 65536")]
    [InlineData(new[] { "bench", "-t", "127.0.0.1:7", "--mode", "pingpong", "--window", "8" }, "--window 8 does not go with --mode pingpong")]
    [InlineData(new[] { "bench", "-t", "127.0.0.1:7", "--timeout", "0" }, "--timeout '0' is not a whole number from 1")]
    [InlineData(new[] { "bench", "-t", "127.0.0.1:7", "--warmup", "-1" }, "--warmup '-1' is not a number of seconds from 0 to 86400")]
    [InlineData(new[] { "bench", "-t", "127.0.0.1:7", "--rate", "5" }, "unrecognized option '--rate'")]
    public Task InvalidArguments_OneLineErrorExit2(string[] args, string expected) =>
        UsageErrors.AssertOneLineExit2Async(args, expected);

    [GeneratedRegex(@"\rudpecho: \d+\.\d s, \d+ sent, \d+ received, 0 lost, 0 corrupt ")]
    private static partial Regex ProgressLine();
}
