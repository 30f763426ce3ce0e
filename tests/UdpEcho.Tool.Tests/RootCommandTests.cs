namespace UdpEcho.Tool.Tests;

/// <summary>What <c>udpecho</c> itself answers: help and usage under the tool's command name, its version, a missing command.</summary>
public sealed class RootCommandTests
{
    private const int Timeout = 20_000;

    [Theory(Timeout = Timeout)]
    [InlineData("--help", "udpecho [command] [options]")]
    [InlineData("-h", "udpecho [command] [options]")]
    [InlineData("serve --help", "udpecho serve [options]")]
    [InlineData("send --help", "udpecho send <HOST:PORT> <MESSAGE> [options]")]
    public async Task Help_NamesTheToolByItsCommandName_NotItsAssembly(string args, string usage)
    {
        var (exitCode, output, error) = await RunAsync(args.Split(' '));

        Assert.Equal(0, exitCode);
        Assert.Empty(error.Lines);
        var lines = output.Lines;
        var at = lines.ToList().IndexOf("Usage:");
        Assert.True(at >= 0, string.Join('\n', lines));
        Assert.Equal(usage, lines[at + 1].Trim());
        Assert.DoesNotContain(lines, line => line.Contains("UdpEcho.Tool", StringComparison.Ordinal));
    }

    [Fact(Timeout = Timeout)]
    public async Task Version_PrintsTheInformationalVersion()
    {
        var (exitCode, output, _) = await RunAsync(["--version"]);

        Assert.Equal(0, exitCode);
        var version = Assert.Single(output.Lines);
        Assert.Matches(@"^\d+\.\d+\.\d+", version);
    }

    [Fact(Timeout = Timeout)]
    public Task NoCommand_IsAUsageError() =>
        UsageErrors.AssertOneLineExit2Async([], "Required command was not provided");

    private static async Task<(int ExitCode, LineWriter Output, LineWriter Error)> RunAsync(string[] args)
    {
        var output = new LineWriter();
        var error = new LineWriter();
        var exitCode = await UdpEchoCommand.RunAsync(args, output, error, CancellationToken.None);
        output.Flush();
        return (exitCode, output, error);
    }
}
