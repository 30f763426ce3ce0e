using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using UdpEcho.Tests.Stamp;
using UdpEcho.Tool.Commands;

namespace UdpEcho.Tool.Tests;

/// <summary>
/// <c>udpecho ping --stamp</c> against <see cref="MinimalStampReflector"/>, a STAMP reflector written from RFC 8762 alone,
/// and against the tool's own <c>serve --stamp</c> reflector.
/// </summary>
public sealed partial class PingStampTests
{
    private const int Timeout = 60_000;

    [Fact(Timeout = Timeout)]
    public async Task PingStampJson_ReflectorHolding3msIgnoringEvery7thDroppingEvery11th_ReportsTheSplitAndTheHold()
    {
        // The issue's check. Of 78 test packets: arrivals 7, 14, ... 77 are ignored (11); of the 67 replies, 11, 22, ...
        // 66 are dropped (6); the last packet is answered, so every loss has a direction.
        using var reflector = new MinimalStampReflector { Stateful = true, Hold = TimeSpan.FromMilliseconds(3), IgnoreEvery = 7, DropEvery = 11, Ttl = 64 }.Start();
        var output = new LineWriter();
        var error = new LineWriter();

        var exitCode = await UdpEchoCommand.RunAsync(
            ["ping", reflector.EndPoint.ToString(), "--stamp", "--json", "-c", "78", "--interval", "1", "--timeout", "250"], output, error, CancellationToken.None);

        Assert.Equal(0, exitCode);
        Assert.Empty(error.Lines);
        using var document = JsonDocument.Parse(string.Join('\n', output.Lines));
        var root = document.RootElement;
        Assert.Equal((78, 61, 17), (root.GetProperty("sent").GetInt64(), root.GetProperty("received").GetInt64(), root.GetProperty("lost").GetInt64()));
        Assert.Equal("stateful", root.GetProperty("stamp").GetString());
        Assert.Equal(11, root.GetProperty("forwardLost").GetInt64());
        Assert.Equal(6, root.GetProperty("backwardLost").GetInt64());
        Assert.Equal(0, root.GetProperty("unattributedLost").GetInt64());
        Assert.Equal(64, root.GetProperty("reflectorTtl").GetInt32());
        Assert.False(root.GetProperty("clocksSynchronized").GetBoolean()); // the reflector says S = 0

        // The round trip the application saw holds the 3 ms hold; the reflector's processing is the hold; the rest is loopback.
        var processing = root.GetProperty("reflectorProcessingMicroseconds").GetProperty("p50").GetDouble();
        var withoutProcessing = root.GetProperty("rttWithoutProcessingMicroseconds").GetProperty("p50").GetDouble();
        var rtt = root.GetProperty("rttMicroseconds").GetProperty("p50").GetDouble();
        var figures = $"processing p50 {processing} µs, without processing p50 {withoutProcessing} µs, rtt p50 {rtt} µs";
        Assert.True(processing is >= 3000 and < 5000, figures);
        Assert.True(withoutProcessing < 3000, figures);
        Assert.True(rtt >= 3000, figures);

        foreach (var direction in new[] { "forward", "backward" })
        {
            var delays = root.GetProperty("oneWayMicroseconds").GetProperty(direction);
            var values = new[] { "min", "p50", "p99", "max" }.Select(p => delays.GetProperty(p).GetDouble()).ToArray();
            Assert.Equal(values.Order(), values);
            Assert.True(values[0] >= -1, $"{direction} min {values[0]} µs: T1 to T4 are one host's clock");
            Assert.True(values[1] < 3000, $"{direction} p50 {values[1]} µs: the hold is neither way's");
        }
    }

    [Fact(Timeout = Timeout)]
    public async Task PingStamp_ServeStampStateless_PrintsDelaysPerLineAndTheStampSummary()
    {
        await using var server = new UdpEchoServer(new UdpEchoServerOptions { Address = IPAddress.Loopback, StampMode = UdpEchoStampMode.Stateless });
        await server.StartAsync();
        var target = server.LocalEndPoint!.ToString();
        var output = new LineWriter();

        var exitCode = await UdpEchoCommand.RunAsync(["ping", "--stamp", "stateless", target, "-c", "3", "--interval", "0", "--ssid", "4660"], output, new LineWriter(), CancellationToken.None);

        Assert.Equal(0, exitCode);
        var lines = output.Lines;
        Assert.Equal($"UDPECHO {target}: 64 bytes per STAMP test packet, to a stateless reflector", lines[0]);
        for (var seq = 0; seq < 3; seq++)
        {
            Assert.Matches($@"^64 bytes from {Regex.Escape(target)}: seq={seq} time=\d+\.\d{{3}} ms forward=-?\d+\.\d{{3}} backward=-?\d+\.\d{{3}} processing=\d+\.\d{{3}} ms ttl=\d+$", lines[1 + seq]);
        }

        Assert.Contains("stamp stateless reflector, ssid 4660: lost 0 forward, 0 backward, 0 unattributed", lines);
        Assert.Contains(lines, l => OneWay().IsMatch(l));
        Assert.Contains(lines, l => l.StartsWith("reflector processing min/p50/p99/max = ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("rtt without processing min/p50/p99/max = ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("reflector ttl ", StringComparison.Ordinal));
    }

    [Fact(Timeout = Timeout)]
    public async Task PingStampJson_AgainstAPlainEchoServer_PrintsAJsonErrorNamingTheOptionAndExits1()
    {
        await using var server = new UdpEchoServer(new UdpEchoServerOptions { Address = IPAddress.Loopback });
        await server.StartAsync();
        var target = server.LocalEndPoint!.ToString();
        var output = new LineWriter();
        var error = new LineWriter();

        var exitCode = await UdpEchoCommand.RunAsync(["ping", target, "--stamp", "--json", "-c", "2", "--timeout", "2000"], output, error, CancellationToken.None);
        output.Flush();

        Assert.Equal(1, exitCode);
        var line = Assert.Single(error.Lines);
        Assert.Contains("Ping it without --stamp", line, StringComparison.Ordinal);
        Assert.DoesNotContain("StampMode", line, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(string.Join('\n', output.Lines));
        Assert.Equal(target, document.RootElement.GetProperty("target").GetString());
        Assert.Equal(line["udpecho: ".Length..], document.RootElement.GetProperty("error").GetString());
    }

    [Theory(Timeout = Timeout)]
    [InlineData(new[] { "ping", "127.0.0.1:862", "--stamp", "--size", "43" }, "--size 43 is too small for --stamp: a STAMP test packet is at least 44 bytes.")]
    [InlineData(new[] { "ping", "127.0.0.1:862", "--ssid", "7" }, "--ssid names a STAMP session: give --stamp too.")]
    [InlineData(new[] { "ping", "127.0.0.1:862", "--stamp", "--ssid", "65536" }, "--ssid '65536' is not a whole number from 0 to 65535.")]
    [InlineData(new[] { "ping", "--stamp", "both", "127.0.0.1:862" }, "--stamp 'both' is not stateful or stateless.")]
    public async Task PingStamp_BadArguments_OneLineExit2(string[] args, string expected) => await UsageErrors.AssertOneLineExit2Async(args, expected);

    [Theory(Timeout = Timeout)]
    [InlineData("ping --stamp h:1", "ping --stamp stateful h:1")]
    [InlineData("ping h:1 --stamp", "ping h:1 --stamp stateful")]
    [InlineData("ping h:1 --stamp --json", "ping h:1 --stamp stateful --json")]
    [InlineData("ping --stamp stateless h:1", "ping --stamp stateless h:1")]
    [InlineData("ping --stamp bogus h:1", "ping --stamp bogus h:1")]
    [InlineData("serve --stamp", "serve --stamp")]
    [InlineData("ping h:1 -- --stamp", "ping h:1 -- --stamp")]
    public async Task SpellOutBareStamp_BareStampBeforeTheTargetOrAnOption_BecomesStateful(string given, string parsed)
    {
        Assert.Equal(parsed.Split(' '), PingCommand.SpellOutBareStamp(given.Split(' ')));
        await Task.CompletedTask;
    }

    [GeneratedRegex(@"^forward \(clocks not synchronized\) min/p50/p99/max = -?\d+\.\d{3}/-?\d+\.\d{3}/-?\d+\.\d{3}/-?\d+\.\d{3} ms$|^one-way forward min/p50/p99/max = ")]
    private static partial Regex OneWay();
}
