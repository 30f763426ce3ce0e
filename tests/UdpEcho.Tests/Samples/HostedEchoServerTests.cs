using System.Globalization;
using System.Net;
using System.Text;

namespace UdpEcho.Tests.Samples;

/// <summary>
/// The HostedEchoServer sample, run as a process as a user would: configured from its appsettings.json (with the
/// port overridden on the command line, as configuration allows), logging to the console, stopped by SIGTERM.
/// </summary>
public sealed class HostedEchoServerTests
{
    private const string Listening = "UDP echo server listening on 127.0.0.1:";

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Main_FromAppSettings_LogsItsEndPoint_Echoes_AndStopsCleanlyOnSigterm()
    {
        await using var server = SampleProcess.StartSample("HostedEchoServer", "--UdpEcho:Server:Port=0");
        var line = await server.WaitForLineAsync(l => l.Contains(Listening, StringComparison.Ordinal), "the listening log line");
        var port = int.Parse(line.AsSpan(line.IndexOf(Listening, StringComparison.Ordinal) + Listening.Length).Trim(), CultureInfo.InvariantCulture);
        Assert.Empty(server.StderrLines);
        await using var client = new UdpEchoClient(new UdpEchoClientOptions
        {
            RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, port),
            Timeout = TestTimeouts.Echo,
        });

        var reply = await client.SendAndReceiveAsync("hosted").AsTask().WaitAsync(TestTimeouts.Await);
        await server.SignalAsync("TERM");

        Assert.Equal("hosted", Encoding.UTF8.GetString(reply.Payload.Span));
        Assert.Equal(0, await server.WaitForExitAsync());
        Assert.Contains(server.StdoutLines, l => l.Contains($"UDP echo server on 127.0.0.1:{port} stopped", StringComparison.Ordinal));
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Main_InvalidAddressInConfiguration_FailsAtStartWithOneLineNamingTheKey()
    {
        await using var server = SampleProcess.StartSample("HostedEchoServer", "--UdpEcho:Server:Address=7007");

        Assert.Equal(1, await server.WaitForExitAsync());
        var error = Assert.Single(server.StderrLines);
        Assert.StartsWith("HostedEchoServer: ", error, StringComparison.Ordinal);
        Assert.Contains("configuration key 'UdpEcho:Server:Address'", error, StringComparison.Ordinal);
        Assert.Contains("'7007'", error, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task Main_MisspeltKeyInTheEnvironment_FailsAtStartWithOneLineNamingIt()
    {
        await using var server = SampleProcess.StartSampleUnder(["env", "UdpEcho__Server__Adress=127.0.0.1"], "HostedEchoServer");

        Assert.Equal(1, await server.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        var error = Assert.Single(server.StderrLines);
        Assert.Equal("HostedEchoServer: Unknown configuration key 'UdpEcho:Server:Adress': UdpEchoServerOptions has no option 'Adress'. Did you mean 'Address'?", error);
        Assert.DoesNotContain(server.StdoutLines, l => l.Contains("listening", StringComparison.Ordinal));
    }
}
