using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace UdpEcho.Tool.Tests;

public sealed partial class ServeCommandTests
{
    private const int Timeout = 20_000;

    [Fact(Timeout = Timeout)]
    public async Task Serve_Quiet_PrintsOneStartupLineEchoesAndPrintsStatisticsOnStop()
    {
        var output = new LineWriter();
        var error = new LineWriter();
        using var stop = new CancellationTokenSource();

        var run = UdpEchoCommand.RunAsync(["serve", "--port", "0"], output, error, stop.Token);
        var endPoint = ParseEndPoint(await output.WaitForLineAsync(l => l.Contains("echoing on", StringComparison.Ordinal)));
        var reply = await EchoAsync(endPoint, "quiet please"u8.ToArray());
        await stop.CancelAsync();
        var exitCode = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, exitCode);
        Assert.Equal("quiet please"u8.ToArray(), reply);
        Assert.Equal(IPAddress.Loopback, endPoint.Address);
        Assert.Equal(2, output.Lines.Count);
        Assert.Equal(
            "udpecho: received 1 datagrams (12 bytes), echoed 1 (12 bytes), dropped 0, kernel drops 0, errors: 0 receive, 0 send, 0 subscriber",
            output.Lines[1]);
        Assert.Empty(error.Lines);
    }

    [Theory(Timeout = Timeout)]
    [InlineData("portable", "1")]
    [InlineData("batched", "2")]
    [InlineData("Automatic", "3")]
    public async Task Serve_EngineAndReceiveLoops_Echo(string engine, string loops)
    {
        var output = new LineWriter();
        var error = new LineWriter();
        using var stop = new CancellationTokenSource();

        var run = UdpEchoCommand.RunAsync(["serve", "--port", "0", "--engine", engine, "--receive-loops", loops], output, error, stop.Token);
        var endPoint = ParseEndPoint(await output.WaitForLineAsync(l => l.Contains("echoing on", StringComparison.Ordinal)));
        var reply = await EchoAsync(endPoint, "engine"u8.ToArray());
        await stop.CancelAsync();

        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("engine"u8.ToArray(), reply);
        Assert.Empty(error.Lines);
    }

    [Fact(Timeout = Timeout)]
    public async Task Serve_Verbose_PrintsSaysLinePerMessage()
    {
        var output = new LineWriter();
        using var stop = new CancellationTokenSource();

        var run = UdpEchoCommand.RunAsync(["serve", "--port", "0", "--verbose"], output, new LineWriter(), stop.Token);
        var endPoint = ParseEndPoint(await output.WaitForLineAsync(l => l.Contains("echoing on", StringComparison.Ordinal)));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(endPoint);
        await socket.SendAsync("hello"u8.ToArray());
        var local = (IPEndPoint)socket.LocalEndPoint!;

        var line = await output.WaitForLineAsync(l => l.Contains("says:", StringComparison.Ordinal));
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal($"127.0.0.1 {local.Port} says: hello", line);
    }

    [Fact(Timeout = Timeout)]
    public async Task Serve_VerboseWithControlCharacters_OneEscapedLinePerDatagram()
    {
        var output = new LineWriter();
        using var stop = new CancellationTokenSource();

        var run = UdpEchoCommand.RunAsync(["serve", "--port", "0", "--verbose"], output, new LineWriter(), stop.Token);
        var endPoint = ParseEndPoint(await output.WaitForLineAsync(l => l.Contains("echoing on", StringComparison.Ordinal)));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(endPoint);
        var local = ((IPEndPoint)socket.LocalEndPoint!).Port;
        await socket.SendAsync("hi\n10.9.9.9 4444 says: forged line\u001b]0;title\a"u8.ToArray());
        await socket.SendAsync("hello"u8.ToArray());

        await output.WaitForLineAsync(l => l.EndsWith("says: hello", StringComparison.Ordinal));
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        var says = output.Lines.Where(l => l.Contains("says:", StringComparison.Ordinal)).ToList();
        Assert.Equal([$@"127.0.0.1 {local} says: hi\n10.9.9.9 4444 says: forged line\x1b]0;title\x07", $"127.0.0.1 {local} says: hello"], says);
        Assert.All(output.Lines, l => Assert.DoesNotContain(l, c => char.IsControl(c)));
    }

    [Fact(Timeout = Timeout)]
    public async Task Serve_Json_PrintsTheStatisticsAsOneJsonLineWithTheirCamelCaseNames()
    {
        var output = new LineWriter();
        var error = new LineWriter();
        using var stop = new CancellationTokenSource();

        var run = UdpEchoCommand.RunAsync(["serve", "--port", "0", "--json", "--max-size", "3"], output, error, stop.Token);
        var endPoint = ParseEndPoint(await error.WaitForLineAsync(l => l.Contains("echoing on", StringComparison.Ordinal)));
        Assert.Equal("abc"u8.ToArray(), await EchoAsync(endPoint, "abc"u8.ToArray()));
        using (var big = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            await big.SendToAsync("toolong"u8.ToArray(), endPoint);
            Assert.Equal("ok!"u8.ToArray(), await EchoAsync(endPoint, "ok!"u8.ToArray())); // so the long one was handled first
        }

        await stop.CancelAsync();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(10)));

        var line = Assert.Single(output.Lines);
        using var json = System.Text.Json.JsonDocument.Parse(line);
        var root = json.RootElement;
        Assert.Equal(3, root.GetProperty("datagramsReceived").GetInt64());
        Assert.Equal(2, root.GetProperty("datagramsEchoed").GetInt64());
        Assert.Equal(1, root.GetProperty("datagramsDropped").GetInt64());
        Assert.Equal(1, root.GetProperty("droppedTooLarge").GetInt64());
        Assert.Equal(0, root.GetProperty("droppedByKernel").GetInt64());
        Assert.Equal(0, root.GetProperty("droppedByLoopGuard").GetInt64());
        foreach (var property in typeof(UdpEchoServerStatistics).GetProperties())
        {
            Assert.True(root.TryGetProperty(char.ToLowerInvariant(property.Name[0]) + property.Name[1..], out _), $"--json has no key for {property.Name}");
        }
    }

    [Theory(Timeout = Timeout)]
    [InlineData("--loop-guard", "sometimes", "--loop-guard 'sometimes' is not auto, on or off.")]
    [InlineData("--delay-distribution", "pareto", "--delay-distribution 'pareto' is not uniform or normal.")]
    [InlineData("--receive-buffer", "0", "--receive-buffer '0' is not a whole number from 1 to 2147483647.")]
    [InlineData("--bandwidth", "-5", "--bandwidth '-5' is not a whole number from 1 to 100000000000.")]
    [InlineData("--loss-burst", "0.5", "--loss-burst '0.5' is not a mean burst length of at least 1.")]
    public async Task Serve_BadNewOption_UsageErrorNamingIt(string option, string value, string message)
    {
        var error = new LineWriter();

        var exitCode = await UdpEchoCommand.RunAsync(["serve", "--port", "0", option, value], new LineWriter(), error, CancellationToken.None);

        Assert.Equal(2, exitCode);
        Assert.Equal($"udpecho: {message} (see 'udpecho --help')", Assert.Single(error.Lines));
    }

    [Fact(Timeout = Timeout)]
    public async Task Serve_LossBurstTooShortForTheLossRate_UsageErrorNamingBoth()
    {
        var error = new LineWriter();

        var exitCode = await UdpEchoCommand.RunAsync(["serve", "--port", "0", "--loss", "0.9", "--loss-burst", "2"], new LineWriter(), error, CancellationToken.None);

        Assert.Equal(2, exitCode);
        var line = Assert.Single(error.Lines);
        Assert.Contains("LossBurst", line, StringComparison.Ordinal);
        Assert.Contains("LossProbability", line, StringComparison.Ordinal);
    }

    [Fact(Timeout = Timeout)]
    public async Task Serve_ImpairmentAndBufferOptions_ReachTheServer()
    {
        var output = new LineWriter();
        using var stop = new CancellationTokenSource();

        // Loss of 1 with bursts: nothing comes back, and every datagram is counted as lost on purpose.
        var run = UdpEchoCommand.RunAsync(
            ["serve", "--port", "0", "--verbose", "--loss", "1", "--loss-burst", "4", "--receive-buffer", "65536", "--send-buffer", "65536", "--loop-guard", "on",
             "--delay-distribution", "normal", "--bandwidth", "1000000", "--max-queued", "10", "--max-queued-bytes", "65536"],
            output, new LineWriter(), stop.Token);
        var endPoint = ParseEndPoint(await output.WaitForLineAsync(l => l.Contains("echoing on", StringComparison.Ordinal)));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(endPoint);
        await socket.SendAsync("gone"u8.ToArray());
        await output.WaitForLineAsync(l => l.EndsWith("says: gone", StringComparison.Ordinal)); // raised once its fate is decided
        await stop.CancelAsync();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.StartsWith("udpecho: received 1 datagrams (4 bytes), echoed 0 (0 bytes), dropped 1 (1 lost on purpose)", output.Lines[^1], StringComparison.Ordinal);
    }

    [Theory(Timeout = Timeout)]
    [InlineData("stateless", 7u)]
    [InlineData("stateful", 0u)]
    public async Task Serve_Stamp_ReflectsTestPacketsWithTheModesSequenceNumbers(string mode, uint expected)
    {
        var output = new LineWriter();
        using var stop = new CancellationTokenSource();

        var run = UdpEchoCommand.RunAsync(["serve", "--port", "0", "--stamp", mode], output, new LineWriter(), stop.Token);
        var endPoint = ParseEndPoint(await output.WaitForLineAsync(l => l.Contains($"reflecting STAMP ({mode}) on", StringComparison.Ordinal)));

        // An unauthenticated test packet (RFC 8762 4.2.1): sequence 7, then timestamp, error estimate, SSID and MBZ.
        var packet = new byte[44];
        packet[3] = 7;
        var reply = await EchoAsync(endPoint, packet);
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(44, reply.Length);
        Assert.Equal(expected, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(reply));
        Assert.Equal(7u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(24))); // the sender's, copied
    }

    [Fact(Timeout = Timeout)]
    public async Task Serve_IPv6Any_ServesIPv4Too()
    {
        var output = new LineWriter();
        using var stop = new CancellationTokenSource();

        var run = UdpEchoCommand.RunAsync(["serve", "--port", "0", "--address", "::"], output, new LineWriter(), stop.Token);
        var endPoint = ParseEndPoint(await output.WaitForLineAsync(l => l.Contains("echoing on", StringComparison.Ordinal)));
        var v4 = await EchoAsync(new IPEndPoint(IPAddress.Loopback, endPoint.Port), "v4"u8.ToArray());
        var v6 = await EchoAsync(new IPEndPoint(IPAddress.IPv6Loopback, endPoint.Port), "v6"u8.ToArray());
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("v4"u8.ToArray(), v4);
        Assert.Equal("v6"u8.ToArray(), v6);
    }

    [Fact(Timeout = Timeout)]
    public async Task Serve_PortInUse_OneLineNamingEndpointExit1()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)taken.LocalEndPoint!).Port;
        var error = new LineWriter();

        var exitCode = await UdpEchoCommand.RunAsync(["serve", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)], new LineWriter(), error, CancellationToken.None);

        Assert.Equal(1, exitCode);
        var line = Assert.Single(error.Lines);
        Assert.Contains($"127.0.0.1:{port}", line, StringComparison.Ordinal);
        Assert.Contains("already in use", line, StringComparison.Ordinal);
    }

    [Theory(Timeout = Timeout)]
    [InlineData(new[] { "serve" }, "--port' is required")]
    [InlineData(new[] { "serve", "--port", "70000" }, "--port '70000' is not a whole number from 0 to 65535")]
    [InlineData(new[] { "serve", "--port", "x" }, "--port 'x' is not a whole number")]
    [InlineData(new[] { "serve", "--port", "7", "--address", "nope" }, "--address 'nope' is not an IPv4 or IPv6 address")]
    [InlineData(new[] { "serve", "--port", "7", "--bogus" }, "--bogus")]
    [InlineData(new[] { "frobnicate" }, "frobnicate")]
    [InlineData(new[] { "serve", "--port", "7", "--rate-limit", "0" }, "--rate-limit '0' is not a positive number of datagrams per second")]
    [InlineData(new[] { "serve", "--port", "7", "--rate-limit", "fast" }, "--rate-limit 'fast' is not a positive number")]
    [InlineData(new[] { "serve", "--port", "7", "--allow", "10.0.0.0" }, "--allow '10.0.0.0' is not a CIDR range")]
    [InlineData(new[] { "serve", "--port", "7", "--allow", "10.0.0.0/8", "--allow", "10.0.0.1/8" }, "--allow '10.0.0.1/8' is not a CIDR range")]
    [InlineData(new[] { "serve", "--port", "7", "--max-size", "70000" }, "--max-size '70000' is not a whole number from 0 to 65527")]
    [InlineData(new[] { "serve", "--port", "7", "--loss", "1.5" }, "--loss '1.5' is not a probability from 0 to 1")]
    [InlineData(new[] { "serve", "--port", "7", "--duplicate", "-0.1" }, "--duplicate '-0.1' is not a probability from 0 to 1")]
    [InlineData(new[] { "serve", "--port", "7", "--reorder", "NaN" }, "--reorder 'NaN' is not a probability from 0 to 1")]
    [InlineData(new[] { "serve", "--port", "7", "--delay", "-5" }, "--delay '-5' is not a number of milliseconds from 0 to 60000")]
    [InlineData(new[] { "serve", "--port", "7", "--jitter", "soon" }, "--jitter 'soon' is not a number of milliseconds")]
    [InlineData(new[] { "serve", "--port", "7", "--seed", "1e3" }, "--seed '1e3' is not a whole number")]
    [InlineData(new[] { "serve", "--port", "7", "--allow-source-port", "-1" }, "--allow-source-port '-1' is not a whole number from 0 to 65535")]
    [InlineData(new[] { "serve", "--port", "7", "--engine", "turbo" }, "--engine 'turbo' is not automatic, batched or portable")]
    [InlineData(new[] { "serve", "--port", "7", "--engine", "2" }, "--engine '2' is not automatic, batched or portable")]
    [InlineData(new[] { "serve", "--port", "7", "--receive-loops", "0" }, "--receive-loops '0' is not a whole number from 1 to 64")]
    public Task InvalidArguments_OneLineErrorExit2(string[] args, string expected) =>
        UsageErrors.AssertOneLineExit2Async(args, expected);

    [Fact(Timeout = Timeout)]
    public async Task Serve_PolicyOptions_AllowListSizeAndSourcePortApplied()
    {
        var output = new LineWriter();
        using var stop = new CancellationTokenSource();

        var run = UdpEchoCommand.RunAsync(
            ["serve", "--port", "0", "--allow", "127.0.0.2/32", "--allow", "10.0.0.0/8", "--max-size", "4", "--rate-limit", "1000", "--allow-source-port", "19"],
            output, new LineWriter(), stop.Token);
        var endPoint = ParseEndPoint(await output.WaitForLineAsync(l => l.Contains("echoing on", StringComparison.Ordinal)));
        using var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        stranger.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await stranger.SendToAsync("hi"u8.ToArray(), endPoint);
        using var big = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        big.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
        await big.SendToAsync("12345"u8.ToArray(), endPoint);
        var echoed = await EchoAsync(endPoint, "1234"u8.ToArray(), IPAddress.Parse("127.0.0.2"));
        await stop.CancelAsync();
        var exitCode = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, exitCode);
        Assert.Equal("1234"u8.ToArray(), echoed);
        Assert.Equal(0, stranger.Available);
        Assert.Equal(0, big.Available);
        Assert.Equal(
            "udpecho: received 3 datagrams (6 bytes), echoed 1 (4 bytes), dropped 2 (1 too large, 1 not allowed), kernel drops 0, errors: 0 receive, 0 send, 0 subscriber",
            output.Lines[^1]);
    }

    [Fact(Timeout = Timeout)]
    public async Task Serve_ImpairmentOptions_DuplicateAndDelayApplied()
    {
        var output = new LineWriter();
        using var stop = new CancellationTokenSource();

        var run = UdpEchoCommand.RunAsync(["serve", "--port", "0", "--duplicate", "1", "--delay", "5", "--jitter", "1", "--loss", "0", "--reorder", "0", "--seed", "7"], output, new LineWriter(), stop.Token);
        var endPoint = ParseEndPoint(await output.WaitForLineAsync(l => l.Contains("echoing on", StringComparison.Ordinal)));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(endPoint);
        var started = Stopwatch.GetTimestamp();
        await socket.SendAsync("twice"u8.ToArray());
        var buffer = new byte[64];
        var first = await socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(5));
        var elapsed = Stopwatch.GetElapsedTime(started);
        var second = await socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(5));
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(5, first);
        Assert.Equal(5, second);
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(3.5), $"The echo came back after {elapsed.TotalMilliseconds} ms.");
        Assert.StartsWith("udpecho: received 1 datagrams (5 bytes), echoed 2 (10 bytes)", output.Lines[^1], StringComparison.Ordinal);
    }

    [Fact(Timeout = Timeout)]
    public async Task Serve_AsProcess_SigtermPrintsStatisticsAndExits0()
    {
        var tool = Path.Combine(AppContext.BaseDirectory, "UdpEcho.Tool.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { tool, "serve", "--port", "0" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        try
        {
            var first = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
            var endPoint = ParseEndPoint(first!);
            Assert.Equal("x"u8.ToArray(), await EchoAsync(endPoint, "x"u8.ToArray()));

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            var rest = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(0, process.ExitCode);
            Assert.StartsWith("udpecho: received 1 datagrams (1 bytes), echoed 1 (1 bytes)", rest, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task<byte[]> EchoAsync(IPEndPoint endPoint, byte[] payload, IPAddress? from = null)
    {
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (from is not null)
        {
            socket.Bind(new IPEndPoint(from, 0));
        }

        socket.Connect(endPoint);
        await socket.SendAsync(payload);
        var buffer = new byte[65536];
        var received = await socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(5));
        return buffer[..received];
    }

    private static IPEndPoint ParseEndPoint(string startupLine) =>
        IPEndPoint.Parse(EndPointPattern().Match(startupLine).Groups[1].Value);

    [GeneratedRegex(@" on (\S+) \(Ctrl")]
    private static partial Regex EndPointPattern();
}
