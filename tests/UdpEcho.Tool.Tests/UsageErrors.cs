namespace UdpEcho.Tool.Tests;

/// <summary>The contract every command shares for bad arguments: one line on stderr naming the problem, nothing on stdout, exit 2.</summary>
internal static class UsageErrors
{
    public static async Task AssertOneLineExit2Async(string[] args, string expected)
    {
        var output = new LineWriter();
        var error = new LineWriter();

        var exitCode = await UdpEchoCommand.RunAsync(args, output, error, CancellationToken.None);

        Assert.Equal(2, exitCode);
        var line = Assert.Single(error.Lines);
        Assert.StartsWith("udpecho: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.Empty(output.Lines);
    }
}
