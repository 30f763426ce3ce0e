using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace UdpEcho.Tool.Tests;

/// <summary><c>udpecho send</c>'s count, retries, timeout, JSON and truncated echoes.</summary>
public sealed class SendOptionsTests
{
    private const int Timeout = 20_000;

    [Fact(Timeout = Timeout)]
    public async Task Send_Count_PrintsALinePerEchoThenTheTotals()
    {
        await using var server = await PingCommandTests.StartServerAsync(IPAddress.Loopback);
        var output = new LineWriter();
        var target = server.LocalEndPoint!.ToString();

        var exitCode = await UdpEchoCommand.RunAsync(["send", target, "again", "--count", "3"], output, new LineWriter(), CancellationToken.None);

        Assert.Equal(0, exitCode);
        for (var i = 0; i < 3; i++)
        {
            Assert.Matches($@"^5 bytes from {Regex.Escape(target)} in \d+\.\d{{3}} ms: again$", output.Lines[i]);
        }

        Assert.Equal($"--- {target} udpecho send statistics ---", output.Lines[3]);
        Assert.Matches(@"^3 sent, 3 echoed, 0% loss, time \d+ ms$", output.Lines[4]);
        Assert.Equal(5, output.Lines.Count);
    }

    [Fact(Timeout = Timeout)]
    public async Task Send_Json_EachRoundTripAndTheDuration()
    {
        await using var server = await PingCommandTests.StartServerAsync(IPAddress.IPv6Loopback);
        var output = new LineWriter();
        var target = $"[::1]:{server.LocalEndPoint!.Port}";

        var exitCode = await UdpEchoCommand.RunAsync(["send", target, "json", "-c", "2", "--json", "--retries", "1", "--timeout", "2000"], output, new LineWriter(), CancellationToken.None);

        Assert.Equal(0, exitCode);
        using var document = JsonDocument.Parse(string.Join('\n', output.Lines));
        var root = document.RootElement;
        Assert.Equal(target, root.GetProperty("target").GetString());
        Assert.Equal(target, root.GetProperty("remoteEndPoint").GetString());
        Assert.Equal(4, root.GetProperty("bytes").GetInt32());
        Assert.Equal(2, root.GetProperty("sent").GetInt32());
        Assert.Equal(2, root.GetProperty("received").GetInt32());
        Assert.True(root.GetProperty("durationSeconds").GetDouble() > 0);
        var replies = root.GetProperty("replies").EnumerateArray().ToList();
        Assert.Equal([0, 1], replies.Select(r => r.GetProperty("sequence").GetInt32()));
        Assert.All(replies, r => Assert.True(r.GetProperty("rttMicroseconds").GetDouble() > 0));
        Assert.All(replies, r => Assert.Equal(1, r.GetProperty("attempts").GetInt32()));
        Assert.All(replies, r => Assert.Equal(JsonValueKind.Null, r.GetProperty("error").ValueKind));
    }

    [Fact(Timeout = Timeout)]
    public async Task Send_Json_NoEcho_ReportsEveryAttemptMade()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var output = new LineWriter();

        var exitCode = await UdpEchoCommand.RunAsync(["send", silent.LocalEndPoint!.ToString()!, "anyone?", "--json", "--retries", "2", "--timeout", "20"], output, new LineWriter(), CancellationToken.None);

        Assert.Equal(1, exitCode);
        using var document = JsonDocument.Parse(string.Join('\n', output.Lines));
        var reply = Assert.Single(document.RootElement.GetProperty("replies").EnumerateArray().ToList());
        Assert.Equal(3, reply.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.Null, reply.GetProperty("rttMicroseconds").ValueKind);
        Assert.Contains("after 3 attempt(s)", reply.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact(Timeout = Timeout)]
    public async Task Send_ServerKeeping100Bytes_SaysTruncatedAndExits1()
    {
        using var server = new TruncatingServer(keep: 100);
        var output = new LineWriter();
        var error = new LineWriter();

        var exitCode = await UdpEchoCommand.RunAsync(["send", server.EndPoint.ToString(), new string('x', 200), "--timeout", "30000"], output, error, CancellationToken.None);

        Assert.Equal(1, exitCode);
        Assert.Empty(output.Lines);
        Assert.Equal($"udpecho: The echo from {server.EndPoint} was truncated: 100 of the 200 bytes sent came back; the server, or something on the path, cut it short.", Assert.Single(error.Lines));
    }

    [Fact(Timeout = Timeout)]
    public async Task Send_HostNameResolvingToIPv4_MessageTooLarge_UsageErrorNamingTheName()
    {
        var error = new LineWriter();

        var exitCode = await UdpEchoCommand.RunAsync(["send", "localhost:9", new string('x', 65510)], new LineWriter(), error, CancellationToken.None);

        Assert.Equal(2, exitCode);
        Assert.Equal("udpecho: The message of 65510 bytes is too large for localhost:9, which resolved to an IPv4 address: a UDP datagram to it carries at most 65507 bytes.", Assert.Single(error.Lines));
    }

    [Theory(Timeout = Timeout)]
    [InlineData(new[] { "send", "999.1.1.1:7", "x" }, "'999.1.1.1' in '999.1.1.1:7' is not an IPv4 address")]
    [InlineData(new[] { "send", "127.0.0.1:7", "x", "--count", "0" }, "--count '0' is not a whole number from 1")]
    [InlineData(new[] { "send", "127.0.0.1:7", "x", "--retries", "1001" }, "--retries '1001' is not a whole number from 0 to 1000")]
    [InlineData(new[] { "send", "127.0.0.1:7", "x", "--timeout", "0" }, "--timeout '0' is not a whole number from 1")]
    public Task InvalidArguments_OneLineErrorExit2(string[] args, string expected) =>
        UsageErrors.AssertOneLineExit2Async(args, expected);

    [Fact(Timeout = Timeout)]
    public Task Send_MessageTooLargeForAnIPv4Address_UsageError() =>
        UsageErrors.AssertOneLineExit2Async(["send", "127.0.0.1:7", new string('x', 65508)], "The message of 65508 bytes is too large for the IPv4 address 127.0.0.1: a UDP datagram to it carries at most 65507 bytes.");
}
