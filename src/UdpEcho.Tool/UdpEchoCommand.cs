using System.CommandLine;
using UdpEcho.Tool.Commands;

namespace UdpEcho.Tool;

/// <summary>The <c>udpecho</c> command line: parses, reports bad input in one line, and runs the chosen command.</summary>
internal static class UdpEchoCommand
{
    /// <summary>Exit code for invalid arguments or option values, as with most Unix tools.</summary>
    public const int UsageError = 2;

    public static RootCommand Create() =>
        new("udpecho: serve a UDP echo (RFC 862) endpoint, or talk to any UDP echo server.")
        {
            ServeCommand.Create(),
        };

    /// <summary>Runs the tool with the given arguments and writers, so tests can run it in-process.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="output">Where results go.</param>
    /// <param name="error">Where errors go.</param>
    /// <param name="cancellationToken">Stops a long-running command as Ctrl+C would.</param>
    /// <returns>The process exit code: 0 on success, 1 when the command failed, 2 for invalid arguments.</returns>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var parse = Create().Parse(args);
        // Signals are handled by Program, which owns the process; RunAsync only sees the token.
        var configuration = new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null };

        // Help and version are answered by the parser itself; anything else it rejects is a one-line usage error.
        if (parse.Errors.Count > 0)
        {
            // A mistyped word also makes its command "missing"; naming the word is what helps.
            var message = parse.UnmatchedTokens.Count > 0
                ? $"unrecognized argument '{parse.UnmatchedTokens[0]}'"
                : parse.Errors[0].Message;
            await error.WriteLineAsync($"udpecho: {message} (see 'udpecho --help')").ConfigureAwait(false);
            return UsageError;
        }

        return await parse.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }
}
