using System.Diagnostics;
using System.Net;

namespace UdpEcho.Tool.Tests;

/// <summary>The real tool in a real pipe: <c>udpecho ping ... | head -3</c> ends once <c>head</c> has gone, as <c>ping</c> does.</summary>
public sealed class PipeTests
{
    [Fact(Timeout = 60_000)]
    public async Task Ping_PipedIntoHead_EndsSoonAfterHeadWithTheBrokenPipeExitCode()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // no SIGPIPE, no head
        }

        await using var server = await PingCommandTests.StartServerAsync(IPAddress.Loopback);
        var tool = Path.Combine(AppContext.BaseDirectory, "UdpEcho.Tool.dll");

        // No --count: without the closed pipe it would run for ever. PIPESTATUS[0] is udpecho's exit code.
        var start = new ProcessStartInfo("bash", ["-c", $"dotnet '{tool}' ping {server.LocalEndPoint} --interval 100 | head -3; echo \"exit=${{PIPESTATUS[0]}}\""])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(50));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("UDPECHO ", lines[0], StringComparison.Ordinal);
        Assert.Contains("seq=1 ", lines[2], StringComparison.Ordinal);
        Assert.Equal("exit=141", lines[3]);
        Assert.Equal(string.Empty, await process.StandardError.ReadToEndAsync());
    }
}
