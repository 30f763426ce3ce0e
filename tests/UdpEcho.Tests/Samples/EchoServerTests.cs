using System.Net;
using System.Net.Sockets;
using System.Text;

namespace UdpEcho.Tests.Samples;

/// <summary>The EchoServer sample, run as a process: <c>dotnet EchoServer.dll port</c>.</summary>
public sealed class EchoServerTests
{
    private const string Banner = "Welcome! This is a UDP server, I can only received message from client and reply with same message";
    private const string Usage = "Usage: EchoServer port";

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Main_WrongArgumentCount_PrintsUsageAndExitsWith1()
    {
        await Task.WhenAll(
            AssertUsageAsync([]),
            AssertUsageAsync(["7", "8"]));

        static async Task AssertUsageAsync(string[] args)
        {
            await using var server = SampleProcess.StartSample("EchoServer", args);
            Assert.Equal(1, await server.WaitForExitAsync());
            Assert.Equal([Usage], server.StdoutLines);
            Assert.Empty(server.StderrLines);
        }
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Main_InvalidPort_PrintsErrorNamingItAndUsageAndExitsWith1()
    {
        // The original's atoi turned each of these into some port, mostly 0, without a word.
        await Task.WhenAll(
            AssertInvalidAsync("abc"),
            AssertInvalidAsync("65536"),
            AssertInvalidAsync("-1"),
            AssertInvalidAsync("7x"));

        static async Task AssertInvalidAsync(string port)
        {
            await using var server = SampleProcess.StartSample("EchoServer", port);
            Assert.Equal(1, await server.WaitForExitAsync());
            Assert.Equal([$"Invalid port '{port}': expected a number from 0 to 65535."], server.StderrLines);
            Assert.Equal([Usage], server.StdoutLines);
        }
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Main_Datagrams_EchoesEachAndPrintsSenderAndMessageAtOnce()
    {
        var (server, port) = await SampleProcess.StartEchoServerAsync();
        await using var _ = server;
        await using var client = NewClient(port);

        // Each line is read through a pipe while the server keeps running: it only arrives if the server flushes it.
        string[] messages = ["hello", "héllo wörld ✓"];
        foreach (var message in messages)
        {
            var reply = await client.SendAndReceiveAsync(message).AsTask().WaitAsync(TestTimeouts.Await);
            Assert.Equal(message, Encoding.UTF8.GetString(reply.Payload.Span));
            await server.WaitForLineAsync($"127.0.0.1 {client.LocalEndPoint!.Port} says: {message}");
        }

        Assert.Equal(
            [Banner, $"Listening on 0.0.0.0:{port}; press Ctrl+C to stop.", .. messages.Select(m => $"127.0.0.1 {client.LocalEndPoint!.Port} says: {m}")],
            server.StdoutLines);
        Assert.Empty(server.StderrLines);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Main_ZeroLengthDatagram_EchoesItPrintsEmptyMessageAndKeepsServing()
    {
        var (server, port) = await SampleProcess.StartEchoServerAsync();
        await using var _ = server;
        await using var client = NewClient(port);

        // The original took recvfrom's 0 for an error, printed "recv: Success" and exited.
        var reply = await client.SendAndReceiveAsync(ReadOnlyMemory<byte>.Empty).AsTask().WaitAsync(TestTimeouts.Await);
        Assert.Equal(0, reply.Payload.Length);
        await server.WaitForLineAsync($"127.0.0.1 {client.LocalEndPoint!.Port} says: ");

        var after = await client.SendAndReceiveAsync("still here").AsTask().WaitAsync(TestTimeouts.Await);
        Assert.Equal("still here", Encoding.UTF8.GetString(after.Payload.Span));
        await server.WaitForLineAsync($"127.0.0.1 {client.LocalEndPoint!.Port} says: still here");
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Main_DatagramsLongerThan511Bytes_EchoesThemWholeAndPrintsThemShortenedWithTheirLength()
    {
        var (server, port) = await SampleProcess.StartEchoServerAsync();
        await using var _ = server;
        await using var client = NewClient(port);

        // The original read at most 511 bytes; 65507 is the most an IPv4 datagram carries. The echo is always whole; the
        // screen shows at most 512 characters of a message, then its length.
        foreach (var length in (int[])[512, 2000, UdpEchoServerOptions.MaxIPv4DatagramSize])
        {
            var message = new string((char)('a' + (length % 26)), length);
            var reply = await client.SendAndReceiveAsync(message).AsTask().WaitAsync(TestTimeouts.Await);
            Assert.Equal(length, reply.Payload.Length);
            Assert.Equal(message, Encoding.UTF8.GetString(reply.Payload.Span));
            var shown = length <= UdpEchoText.DefaultMaxCharacters ? message : $"{message[..UdpEchoText.DefaultMaxCharacters]}… [{length} bytes]";
            await server.WaitForLineAsync($"127.0.0.1 {client.LocalEndPoint!.Port} says: {shown}");
        }
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Main_ControlCharactersAndNewlines_PrintedEscapedOnOneLineForgingNothing()
    {
        var (server, port) = await SampleProcess.StartEchoServerAsync();
        await using var _ = server;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
        var local = ((IPEndPoint)socket.LocalEndPoint!).Port;

        // A forged log line, a bell, a clear-screen and a window-title sequence, and a byte that is not UTF-8.
        byte[] attack = [.. "hi\n10.9.9.9 4444 says: forged line\a\u001b[2J\u001b]0;pwned\u0007"u8, 0xFF];
        await socket.SendAsync(attack);
        await socket.SendAsync("hello"u8.ToArray());

        await server.WaitForLineAsync($"127.0.0.1 {local} says: hello");
        var lines = server.StdoutLines.Where(l => l.Contains("says:", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            [$@"127.0.0.1 {local} says: hi\n10.9.9.9 4444 says: forged line\x07\x1b[2J\x1b]0;pwned\x07\xff", $"127.0.0.1 {local} says: hello"],
            lines);
        Assert.DoesNotContain(server.StdoutLines, l => l.StartsWith("10.9.9.9", StringComparison.Ordinal));
        Assert.All(server.StdoutLines, l => Assert.DoesNotContain(l, c => c is '\u001b' or '\a'));
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Main_PortInUse_PrintsBindErrorToStderrAndExitsWith1()
    {
        using var blocker = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        blocker.Bind(new IPEndPoint(IPAddress.Any, 0));
        var port = ((IPEndPoint)blocker.LocalEndPoint!).Port;

        await using var server = SampleProcess.StartSample("EchoServer", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1, await server.WaitForExitAsync());

        var error = Assert.Single(server.StderrLines);
        Assert.Contains($"0.0.0.0:{port}", error, StringComparison.Ordinal);
        Assert.Contains("already in use", error, StringComparison.Ordinal);
        Assert.Equal([Banner], server.StdoutLines);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Main_Sigterm_StopsExitsWith0AndFreesThePort()
    {
        var (server, port) = await SampleProcess.StartEchoServerAsync();
        await using var _ = server;

        await server.SignalAsync("TERM");

        Assert.Equal(0, await server.WaitForExitAsync());
        Assert.Empty(server.StderrLines);
        using var rebind = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        rebind.Bind(new IPEndPoint(IPAddress.Any, port));
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Main_CtrlC_StopsAndExitsWith0()
    {
        // A shell starts background jobs with SIGINT ignored, and the runtime then leaves it ignored: whether Ctrl+C
        // reached the server would depend on how the tests were started. env --default-signal restores it.
        await using var server = SampleProcess.StartSampleUnder(["env", "--default-signal=INT"], "EchoServer", "0");
        await server.WaitForLineAsync(l => l.StartsWith("Listening on ", StringComparison.Ordinal), "the listening line");

        await server.SignalAsync("INT");

        Assert.Equal(0, await server.WaitForExitAsync());
        Assert.Empty(server.StderrLines);
    }

    private static UdpEchoClient NewClient(int port) => new(new UdpEchoClientOptions
    {
        RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, port),
        Timeout = TimeSpan.FromSeconds(1),
        Retries = 2,
    });
}
