using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace UdpEcho.Tool.Tests;

public sealed class SendCommandTests
{
    private const int Timeout = 20_000;

    [Fact(Timeout = Timeout)]
    public async Task Send_PrintsTheEchoAndItsRoundTrip()
    {
        await using var server = await PingCommandTests.StartServerAsync(IPAddress.Loopback);
        var output = new LineWriter();
        var error = new LineWriter();

        var exitCode = await UdpEchoCommand.RunAsync(["send", server.LocalEndPoint!.ToString(), "héllo echo"], output, error, CancellationToken.None);

        Assert.Equal(0, exitCode);
        Assert.Empty(error.Lines);
        Assert.Matches($@"^11 bytes from {Regex.Escape(server.LocalEndPoint.ToString())} in \d+\.\d{{3}} ms: héllo echo$", Assert.Single(output.Lines));
    }

    [Fact(Timeout = Timeout)]
    public async Task Send_IPv6_Works()
    {
        await using var server = await PingCommandTests.StartServerAsync(IPAddress.IPv6Loopback);
        var output = new LineWriter();

        var exitCode = await UdpEchoCommand.RunAsync(["send", $"[::1]:{server.LocalEndPoint!.Port}", "six"], output, new LineWriter(), CancellationToken.None);

        Assert.Equal(0, exitCode);
        Assert.EndsWith(": six", Assert.Single(output.Lines), StringComparison.Ordinal);
    }

    [Fact(Timeout = Timeout)]
    public async Task Send_NoEcho_OneLineExit1()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var target = silent.LocalEndPoint!.ToString()!;
        var output = new LineWriter();
        var error = new LineWriter();

        var exitCode = await UdpEchoCommand.RunAsync(["send", target, "anyone?", "--timeout", "100"], output, error, CancellationToken.None);

        Assert.Equal(1, exitCode);
        Assert.Empty(output.Lines);
        Assert.Matches($@"^udpecho: No echo from {Regex.Escape(target)} after 1 attempt\(s\) over \d+ ms\.$", Assert.Single(error.Lines));
    }

    [Fact(Timeout = Timeout)]
    public async Task Send_NothingListens_OneLineExit1()
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        var error = new LineWriter();

        var exitCode = await UdpEchoCommand.RunAsync(["send", $"127.0.0.1:{port}", "hello?", "--timeout", "5000"], new LineWriter(), error, CancellationToken.None);

        Assert.Equal(1, exitCode);
        Assert.Contains($"No UDP echo server is listening at 127.0.0.1:{port}", Assert.Single(error.Lines), StringComparison.Ordinal);
    }
}
