using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace UdpEcho.Tests.Samples;

/// <summary>
/// The EchoClient sample, run as a process: <c>dotnet EchoClient.dll ip port</c> with lines on stdin. Most tests talk
/// to an in-process library server, which starts in microseconds and counts what it received.
/// </summary>
public sealed class EchoClientTests
{
    private const string Banner = "This is a UDP client";
    private const string Usage = "Usage: EchoClient ip port";

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Main_WrongArgumentCount_PrintsUsageAndExitsWith1()
    {
        await Task.WhenAll(
            AssertUsageAsync([]),
            AssertUsageAsync(["127.0.0.1"]),
            AssertUsageAsync(["127.0.0.1", "7", "8"]));

        static async Task AssertUsageAsync(string[] args)
        {
            await using var client = SampleProcess.StartSample("EchoClient", args);
            Assert.Equal(1, await client.WaitForExitAsync());
            Assert.Equal([Usage], client.StdoutLines);
            Assert.Empty(client.StderrLines);
        }
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Main_InvalidIp_PrintsIncorrectIpAddressAndExitsWith1()
    {
        await Task.WhenAll(
            AssertIncorrectAsync("abc"),
            AssertIncorrectAsync("256.0.0.1"),
            AssertIncorrectAsync("localhost"));

        static async Task AssertIncorrectAsync(string ip)
        {
            await using var client = SampleProcess.StartSample("EchoClient", ip, "7");
            Assert.Equal(1, await client.WaitForExitAsync());
            Assert.Equal([Banner, "Incorrect ip address!"], client.StdoutLines);
        }
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Main_InvalidPort_PrintsErrorNamingItAndExitsWith1()
    {
        await Task.WhenAll(
            AssertInvalidAsync("0"),
            AssertInvalidAsync("65536"),
            AssertInvalidAsync("seven"));

        static async Task AssertInvalidAsync(string port)
        {
            await using var client = SampleProcess.StartSample("EchoClient", "127.0.0.1", port);
            Assert.Equal(1, await client.WaitForExitAsync());
            Assert.Equal([$"Invalid port '{port}': expected a number from 1 to 65535."], client.StderrLines);
            Assert.Equal([Banner, Usage], client.StdoutLines);
        }
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Main_LinesThenEndOfInput_PrintsOneReceivedPerLineAndExitsWith0()
    {
        await using var server = await StartLibraryServerAsync(IPAddress.Loopback);

        // The original's gets() returned NULL at end of input and it sent the last line again, forever.
        var (exitCode, stdout, stderr) = await RunClientAsync(server, "hello", "wörld ✓", "hello");

        Assert.Equal(0, exitCode);
        Assert.Equal([Banner, "received:hello", "received:wörld ✓", "received:hello"], stdout);
        Assert.Empty(stderr);
        Assert.Equal(3, server.GetStatistics().DatagramsReceived);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Main_EmptyLine_SendsZeroLengthDatagramAndPrintsEmptyReceived()
    {
        await using var server = await StartLibraryServerAsync(IPAddress.Loopback);
        var lengths = Channel.CreateUnbounded<int>();
        server.MessageReceived += (_, e) => lengths.Writer.TryWrite(e.Payload.Length);

        // The original printed "server closed" and quit on a zero-length echo.
        var (exitCode, stdout, stderr) = await RunClientAsync(server, string.Empty, "after");

        Assert.Equal(0, exitCode);
        Assert.Equal([Banner, "received:", "received:after"], stdout);
        Assert.Empty(stderr);

        // The server raises the event after sending the echo, so the client may have exited before the last one.
        Assert.Equal(0, await lengths.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Await));
        Assert.Equal(5, await lengths.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Await));
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Main_2000ByteLine_RoundTripsWhole()
    {
        await using var server = await StartLibraryServerAsync(IPAddress.Loopback);
        var line = string.Concat(Enumerable.Range(0, 200).Select(i => (i % 10).ToString(CultureInfo.InvariantCulture) + "123456789"));

        // gets() wrote past the original's 512-byte buffer, and it echoed at most 511 bytes.
        var (exitCode, stdout, stderr) = await RunClientAsync(server, line);

        Assert.Equal(2000, line.Length);
        Assert.Equal(0, exitCode);
        Assert.Equal([Banner, "received:" + line], stdout);
        Assert.Empty(stderr);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Main_LineLongerThanADatagram_PrintsErrorSkipsItAndContinues()
    {
        await using var server = await StartLibraryServerAsync(IPAddress.Loopback);
        var tooLong = new string('x', UdpEchoServerOptions.MaxIPv4DatagramSize + 1);

        var (exitCode, stdout, stderr) = await RunClientAsync(server, tooLong, "next");

        Assert.Equal(0, exitCode);
        Assert.Equal([Banner, "received:next"], stdout);
        var error = Assert.Single(stderr);
        Assert.Contains("65508 bytes", error, StringComparison.Ordinal);
        Assert.Contains("65507", error, StringComparison.Ordinal);
        Assert.Equal(1, server.GetStatistics().DatagramsReceived);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Main_IPv6Literal_RoundTrips()
    {
        await using var server = await StartLibraryServerAsync(IPAddress.IPv6Loopback);

        var (exitCode, stdout, stderr) = await RunClientAsync(server, "over IPv6");

        Assert.Equal(0, exitCode);
        Assert.Equal([Banner, "received:over IPv6"], stdout);
        Assert.Empty(stderr);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Main_IPv4MappedIPv6Literal_RoundTripsOverIPv4()
    {
        await using var server = await StartLibraryServerAsync(IPAddress.Loopback);
        await using var client = SampleProcess.StartSample(
            "EchoClient", "::ffff:127.0.0.1", server.LocalEndPoint!.Port.ToString(CultureInfo.InvariantCulture));

        await client.WriteLinesAndCloseAsync("mapped");

        Assert.Equal(0, await client.WaitForExitAsync());
        Assert.Equal([Banner, "received:mapped"], client.StdoutLines);
        Assert.Empty(client.StderrLines);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Main_NoServer_PrintsNoReplyAndExitsWith1WithinSeconds()
    {
        var port = LoopbackPorts.GetFreeUdpPort();
        var stopwatch = Stopwatch.StartNew();
        await using var client = SampleProcess.StartSample("EchoClient", "127.0.0.1", port.ToString(CultureInfo.InvariantCulture));
        await client.WriteLinesAndCloseAsync("anyone?");

        // Normally the ICMP port unreachable fails the call at once; if the kernel rate-limits ICMP, the three
        // one-second attempts time out instead. Either way the client must stop and say why, never hang like the original.
        var exitCode = await client.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, exitCode);
        Assert.Equal([Banner], client.StdoutLines);
        var error = Assert.Single(client.StderrLines);
        Assert.StartsWith($"No reply from 127.0.0.1:{port}", error, StringComparison.Ordinal);
        Assert.InRange(stopwatch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(8));
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Main_ServerNeverAnswers_PrintsNoReplyAfterItsRetriesAndExitsWith1()
    {
        // Bound, so no ICMP error comes back, but never read: every attempt times out.
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)silent.LocalEndPoint!).Port;
        await using var client = SampleProcess.StartSample("EchoClient", "127.0.0.1", port.ToString(CultureInfo.InvariantCulture));
        await client.WriteLinesAndCloseAsync("anyone?");

        // Three attempts of one second each; the original waited in recvfrom forever.
        Assert.Equal(1, await client.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal([Banner], client.StdoutLines);
        Assert.Equal([$"No reply from 127.0.0.1:{port} after 3 attempts of 1 s each: is a UDP echo server running there?"], client.StderrLines);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Main_AgainstEchoServerSample_BothPrintTheSession()
    {
        var (server, port) = await SampleProcess.StartEchoServerAsync();
        await using var _ = server;
        await using var client = SampleProcess.StartSample("EchoClient", "127.0.0.1", port.ToString(CultureInfo.InvariantCulture));

        await client.WriteLinesAndCloseAsync("hello", string.Empty);

        Assert.Equal(0, await client.WaitForExitAsync());
        Assert.Equal([Banner, "received:hello", "received:"], client.StdoutLines);
        Assert.Empty(client.StderrLines);
        await server.WaitForLineAsync(l => l.StartsWith("127.0.0.1 ", StringComparison.Ordinal) && l.EndsWith(" says: hello", StringComparison.Ordinal), "the line for hello");
        await server.WaitForLineAsync(l => l.StartsWith("127.0.0.1 ", StringComparison.Ordinal) && l.EndsWith(" says: ", StringComparison.Ordinal), "the line for the empty datagram");
    }

    private static async Task<UdpEchoServer> StartLibraryServerAsync(IPAddress address)
    {
        var server = new UdpEchoServer(new UdpEchoServerOptions { Address = address, Port = 0 });
        await server.StartAsync().WaitAsync(TestTimeouts.Await);
        return server;
    }

    private static async Task<(int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr)> RunClientAsync(UdpEchoServer server, params string[] lines)
    {
        var endPoint = server.LocalEndPoint!;
        await using var client = SampleProcess.StartSample("EchoClient", endPoint.Address.ToString(), endPoint.Port.ToString(CultureInfo.InvariantCulture));
        await client.WriteLinesAndCloseAsync(lines);
        var exitCode = await client.WaitForExitAsync();
        return (exitCode, client.StdoutLines, client.StderrLines);
    }
}
