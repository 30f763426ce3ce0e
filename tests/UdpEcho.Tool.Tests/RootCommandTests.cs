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

    /// <summary>
    /// Every default the help shows is one the option takes: it once showed enum names (<c>[default: Automatic]</c>
    /// for <c>--loop-guard auto|on|off</c>) that the options refused. Each shown default is parsed back.
    /// </summary>
    [Theory(Timeout = Timeout)]
    [InlineData("serve", "--port 7007")]
    [InlineData("send", "127.0.0.1:7 hello")]
    [InlineData("ping", "127.0.0.1:7")]
    [InlineData("bench", "127.0.0.1:7")]
    public async Task Help_EveryDefaultShown_IsAcceptedByItsOption(string command, string required)
    {
        var (exitCode, output, _) = await RunAsync([command, "--help"]);
        Assert.Equal(0, exitCode);

        var root = UdpEchoCommand.Create(interactive: false);
        var checkedDefaults = 0;
        foreach (var line in output.Lines)
        {
            var match = System.Text.RegularExpressions.Regex.Match(line, @"^\s+(?:-\w, )?(--[\w-]+)\b.*\[default: ([^\]]+)\]");
            if (!match.Success)
            {
                continue;
            }

            var args = new List<string> { command };
            args.AddRange(required.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            args.Add(match.Groups[1].Value);
            args.Add(match.Groups[2].Value);
            var errors = root.Parse(args).Errors;
            Assert.True(errors.Count == 0, $"{string.Join(' ', args)}: {string.Join("; ", errors.Select(e => e.Message))}");
            checkedDefaults++;
        }

        Assert.True(checkedDefaults > 0, $"no [default: ...] found in the help of {command}");
        Assert.DoesNotContain(output.Lines, line => line.Contains("[default: Automatic]", StringComparison.Ordinal) || line.Contains("[default: None]", StringComparison.Ordinal));
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
