using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace UdpEcho.Tool.Tests;

public sealed partial class PingCommandTests
{
    private const int Timeout = 20_000;

    [Fact(Timeout = Timeout)]
    public async Task Ping_Count_PrintsALinePerEchoThenTheStatistics()
    {
        await using var server = await StartServerAsync(IPAddress.Loopback);
        var output = new LineWriter();
        var error = new LineWriter();
        var target = server.LocalEndPoint!.ToString();

        var exitCode = await UdpEchoCommand.RunAsync(["ping", target, "--count", "3", "--interval", "0"], output, error, CancellationToken.None);

        Assert.Equal(0, exitCode);
        Assert.Empty(error.Lines);
        var lines = output.Lines;
        Assert.Equal($"UDPECHO {target}: 64 bytes per message", lines[0]);
        for (var seq = 0; seq < 3; seq++)
        {
            Assert.Matches($@"^64 bytes from {Regex.Escape(target)}: seq={seq} time=\d+\.\d{{3}} ms$", lines[1 + seq]);
        }

        Assert.Equal($"--- {target} udpecho ping statistics ---", lines[4]);
        Assert.Equal("3 sent, 3 received, 0% loss, 0 duplicates, 0 reordered, 0 late, 0 corrupt, 0 truncated, 0 unreachable", lines[5]);
        Assert.Matches(@"^time \d+ ms, \d+(\.\d+)? messages/s$", lines[6]);
        Assert.Matches(@"^rtt min/mean/max/stddev = \d+\.\d{3}/\d+\.\d{3}/\d+\.\d{3}/\d+\.\d{3} ms$", lines[7]);
        Assert.Matches(@"^rtt p50/p90/p99/p99\.9 = \d+\.\d{3}/\d+\.\d{3}/\d+\.\d{3}/\d+\.\d{3} ms, jitter \d+\.\d{3} ms$", lines[8]);
        HistogramAssert.Drawn(lines.Skip(9).ToList(), total: 3);
    }

    [Fact(Timeout = Timeout)]
    public async Task Ping_Json_PrintsOnlyOneDocumentWithTheAgreedFields()
    {
        await using var server = await StartServerAsync(IPAddress.IPv6Loopback);
        var output = new LineWriter();
        var target = $"[::1]:{server.LocalEndPoint!.Port}";

        var exitCode = await UdpEchoCommand.RunAsync(["ping", target, "-c", "5", "--interval", "0", "--size", "100", "--json"], output, new LineWriter(), interactive: true, CancellationToken.None);

        Assert.Equal(0, exitCode);
        using var document = JsonDocument.Parse(string.Join('\n', output.Lines));
        var root = document.RootElement;
        Assert.Equal(target, root.GetProperty("target").GetString());
        Assert.Equal(100, root.GetProperty("size").GetInt32());
        Assert.Equal(5, root.GetProperty("sent").GetInt64());
        Assert.Equal(5, root.GetProperty("received").GetInt64());
        Assert.Equal(0, root.GetProperty("lossPercent").GetDouble());
        foreach (var counter in new[] { "duplicates", "reordered", "late", "corrupt" })
        {
            Assert.Equal(0, root.GetProperty(counter).GetInt64());
        }

        Assert.True(root.GetProperty("jitterMicroseconds").GetDouble() >= 0);
        var rtt = root.GetProperty("rttMicroseconds");
        var values = new[] { "min", "p50", "p90", "p99", "p999", "max" }.Select(p => rtt.GetProperty(p).GetDouble()).ToArray();
        Assert.True(values[0] > 0);
        Assert.Equal(values.Order(), values);
        Assert.InRange(rtt.GetProperty("mean").GetDouble(), values[0], values[^1]);
        Assert.False(root.GetProperty("interrupted").GetBoolean());
    }

    [Fact(Timeout = Timeout)]
    public async Task Ping_SilentServer_PrintsTimeoutLinesAndExits1()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var target = silent.LocalEndPoint!.ToString()!;
        var output = new LineWriter();

        var exitCode = await UdpEchoCommand.RunAsync(["ping", target, "-c", "2", "--interval", "0", "--timeout", "100"], output, new LineWriter(), CancellationToken.None);

        Assert.Equal(1, exitCode);
        Assert.Equal($"no echo from {target}: seq=0 within 100 ms", output.Lines[1]);
        Assert.Equal($"no echo from {target}: seq=1 within 100 ms", output.Lines[2]);
        Assert.Equal("2 sent, 0 received, 100% loss, 0 duplicates, 0 reordered, 0 late, 0 corrupt, 0 truncated, 0 unreachable", output.Lines[4]);
        Assert.StartsWith("time ", output.Lines[5], StringComparison.Ordinal);
        Assert.Equal(6, output.Lines.Count);
    }

    [Fact(Timeout = Timeout)]
    public async Task Ping_WithoutCount_RunsUntilCancelledThenPrintsStatisticsAndExits0()
    {
        await using var server = await StartServerAsync(IPAddress.Loopback);
        var output = new LineWriter();
        using var stop = new CancellationTokenSource();

        var run = UdpEchoCommand.RunAsync(["ping", server.LocalEndPoint!.ToString(), "--interval", "10"], output, new LineWriter(), stop.Token);
        await output.WaitForLineAsync(l => l.Contains("seq=2 ", StringComparison.Ordinal));
        await stop.CancelAsync();
        var exitCode = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, exitCode);
        var summary = output.Lines.Single(l => l.Contains(" sent, ", StringComparison.Ordinal));
        var counts = SentReceived().Match(summary);
        Assert.True(counts.Success, summary);
        Assert.True(int.Parse(counts.Groups[1].Value, CultureInfo.InvariantCulture) >= 3);
        Assert.Equal(counts.Groups[1].Value, counts.Groups[2].Value);
    }

    [Fact(Timeout = Timeout)]
    public async Task Ping_QuietOnATerminal_DrawsAProgressLineThenClearsIt()
    {
        await using var server = await StartServerAsync(IPAddress.Loopback);
        using var output = new StringWriter();

        var exitCode = await UdpEchoCommand.RunAsync(["ping", server.LocalEndPoint!.ToString(), "-c", "3", "--interval", "0", "--quiet"], output, new LineWriter(), interactive: true, CancellationToken.None);

        Assert.Equal(0, exitCode);
        var text = output.ToString();
        Assert.Contains("\rudpecho: ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("bytes from", text, StringComparison.Ordinal);
        Assert.Contains("3 sent, 3 received, 0% loss", text, StringComparison.Ordinal);
    }

    [Theory(Timeout = Timeout)]
    [InlineData(false, "--quiet")]
    [InlineData(true, "--json")]
    public async Task Ping_RedirectedOrJson_NeverDrawsProgress(bool interactive, string mode)
    {
        await using var server = await StartServerAsync(IPAddress.Loopback);
        using var output = new StringWriter();

        var exitCode = await UdpEchoCommand.RunAsync(["ping", server.LocalEndPoint!.ToString(), "-c", "3", "--interval", "0", mode], output, new LineWriter(), interactive, CancellationToken.None);

        Assert.Equal(0, exitCode);
        Assert.DoesNotContain("\r", output.ToString(), StringComparison.Ordinal);
    }

    [Fact(Timeout = Timeout)]
    public async Task Ping_HostName_IsResolved()
    {
        await using var server = await StartServerAsync(IPAddress.Loopback);
        var output = new LineWriter();

        var exitCode = await UdpEchoCommand.RunAsync(["ping", $"localhost:{server.LocalEndPoint!.Port}", "-c", "1"], output, new LineWriter(), CancellationToken.None);

        Assert.Equal(0, exitCode);
        Assert.StartsWith($"64 bytes from localhost:{server.LocalEndPoint.Port}: seq=0", output.Lines[1], StringComparison.Ordinal);
    }

    [Fact(Timeout = Timeout)]
    public async Task Ping_NothingListens_CountsEachMessageUnreachableGoesOnAndExits1()
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        var output = new LineWriter();
        var error = new LineWriter();

        // A timeout of a minute: the unreachable reports end each message at once, as with ping.
        var exitCode = await UdpEchoCommand.RunAsync(["ping", $"127.0.0.1:{port}", "-c", "3", "--interval", "0", "--timeout", "60000"], output, error, CancellationToken.None);

        Assert.Equal(1, exitCode);
        Assert.Empty(error.Lines);
        for (var seq = 0; seq < 3; seq++)
        {
            Assert.Equal($"from 127.0.0.1:{port}: seq={seq} destination unreachable", output.Lines[1 + seq]);
        }

        Assert.Contains("3 sent, 0 received, 100% loss, 0 duplicates, 0 reordered, 0 late, 0 corrupt, 0 truncated, 3 unreachable", output.Lines);
    }

    [Fact(Timeout = Timeout)]
    public async Task Ping_UnresolvableHost_OneLineNamingTheHostExit1()
    {
        var error = new LineWriter();

        var exitCode = await UdpEchoCommand.RunAsync(["ping", "no-such-host.invalid:7", "-c", "1"], new LineWriter(), error, CancellationToken.None);

        Assert.Equal(1, exitCode);
        var line = Assert.Single(error.Lines);
        Assert.StartsWith("udpecho: Cannot resolve the echo server's host name 'no-such-host.invalid'", line, StringComparison.Ordinal);
    }

    [Fact(Timeout = Timeout)]
    public async Task Ping_HostNameResolvingToIPv4_SizeTooLarge_UsageErrorNamingTheNameNothingElsePrinted()
    {
        await using var server = await StartServerAsync(IPAddress.Loopback);
        var output = new LineWriter();
        var error = new LineWriter();

        var exitCode = await UdpEchoCommand.RunAsync(["ping", $"localhost:{server.LocalEndPoint!.Port}", "-c", "1", "--size", "65520"], output, error, CancellationToken.None);

        Assert.Equal(2, exitCode);
        Assert.Empty(output.Lines);
        Assert.Equal(
            $"udpecho: --size 65520 is too large for localhost:{server.LocalEndPoint.Port}, which resolved to an IPv4 address: a UDP datagram to it carries at most 65507 bytes.",
            Assert.Single(error.Lines));
    }

    [Theory(Timeout = Timeout)]
    [InlineData(new[] { "ping" }, "Required argument missing")]
    [InlineData(new[] { "ping", "127.0.0.1" }, "'127.0.0.1' has no port: use HOST:PORT")]
    [InlineData(new[] { "ping", "127.0.0.1:99999" }, "'99999' in '127.0.0.1:99999' is not a port from 1 to 65535")]
    [InlineData(new[] { "ping", "127.0.0.1:0" }, "'0' in '127.0.0.1:0' is not a port from 1 to 65535")]
    [InlineData(new[] { "ping", "::1:7" }, "put it in brackets, for example [::1]:7")]
    [InlineData(new[] { "ping", "[::1]" }, "'[::1]' is not [IPv6]:PORT")]
    [InlineData(new[] { "ping", "[1.2.3.4]:7" }, "'1.2.3.4' in '[1.2.3.4]:7' is not an IPv6 address")]
    [InlineData(new[] { "ping", "bad_host!:7" }, "'bad_host!' in 'bad_host!:7' is not a host name or an IP address")]
    [InlineData(new[] { "ping", "127.0.0.1:7", "--count", "0" }, "--count '0' is not a whole number from 1")]
    [InlineData(new[] { "ping", "127.0.0.1:7", "--size", "8" }, "--size '8' is not a whole number from 24 to 65527")]
    [InlineData(new[] { "ping", "127.0.0.1:7", "--interval", "-1" }, "--interval '-1' is not a whole number from 0")]
    [InlineData(new[] { "ping", "127.0.0.1:7", "--timeout", "0" }, "--timeout '0' is not a whole number from 1")]
    [InlineData(new[] { "send", "127.0.0.1:7" }, "Required argument missing")]
    [InlineData(new[] { "ping", "999.1.1.1:7" }, "'999.1.1.1' in '999.1.1.1:7' is not an IPv4 address")]
    [InlineData(new[] { "ping", "10.0.0.256:7" }, "'10.0.0.256' in '10.0.0.256:7' is not an IPv4 address")]
    [InlineData(new[] { "ping", "127.0.0.1:7", "--size", "65520" }, "--size 65520 is too large for the IPv4 address 127.0.0.1: a UDP datagram to it carries at most 65507 bytes")]
    [InlineData(new[] { "ping", "127.0.0.1:7", "--rate", "1000", "--interval", "5" }, "--rate and --interval say the same thing")]
    [InlineData(new[] { "ping", "127.0.0.1:7", "--rate", "0" }, "--rate '0' is not a number of messages per second greater than 0")]
    [InlineData(new[] { "ping", "127.0.0.1:7", "--warmup", "-1" }, "--warmup '-1' is not a whole number from 0")]
    [InlineData(new[] { "ping", "127.0.0.1:7", "--bogus" }, "unrecognized argument '--bogus'")]
    public Task InvalidArguments_OneLineErrorExit2(string[] args, string expected) =>
        UsageErrors.AssertOneLineExit2Async(args, expected);

    internal static async Task<UdpEchoServer> StartServerAsync(IPAddress address)
    {
        var server = new UdpEchoServer(new UdpEchoServerOptions { Address = address });
        await server.StartAsync();
        return server;
    }

    [GeneratedRegex(@"^(\d+) sent, (\d+) received")]
    private static partial Regex SentReceived();
}
