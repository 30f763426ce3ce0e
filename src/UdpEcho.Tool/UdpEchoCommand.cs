using System.CommandLine;
using System.CommandLine.Help;
using UdpEcho.Tool.Commands;

namespace UdpEcho.Tool;

/// <summary>The <c>udpecho</c> command line: parses, reports bad input in one line, and runs the chosen command.</summary>
internal static class UdpEchoCommand
{
    /// <summary>Exit code for invalid arguments or option values, as with most Unix tools.</summary>
    public const int UsageError = 2;

    /// <param name="interactive">Whether the output is a terminal a person watches: only then may a command draw progress.</param>
    /// <remarks>
    /// The root is a plain command named <c>udpecho</c>, not a <see cref="RootCommand"/>: that one is named after the
    /// entry assembly, so an installed tool's help would say <c>Usage: UdpEcho.Tool</c>.
    /// </remarks>
    public static Command Create(bool interactive) =>
        new("udpecho", "udpecho: serve a UDP echo (RFC 862) endpoint, or talk to any UDP echo server.")
        {
            new HelpOption(),
            new VersionOption(),
            ServeCommand.Create(),
            SendCommand.Create(),
            PingCommand.Create(interactive),
            BenchCommand.Create(interactive),
        };

    /// <summary>Runs the tool with the given arguments and writers, so tests can run it in-process.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="output">Where results go.</param>
    /// <param name="error">Where errors go.</param>
    /// <param name="cancellationToken">Stops a long-running command as Ctrl+C would.</param>
    /// <returns>The process exit code: 0 on success, 1 when the command failed, 2 for invalid arguments, 141 when standard output was closed under it.</returns>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        RunAsync(args, output, error, interactive: ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected, cancellationToken);

    /// <summary>Runs the tool as <see cref="RunAsync(string[], TextWriter, TextWriter, CancellationToken)"/>, saying whether <paramref name="output"/> is an interactive terminal.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="output">Where results go.</param>
    /// <param name="error">Where errors go.</param>
    /// <param name="interactive">Whether <paramref name="output"/> is a terminal: progress is drawn only there.</param>
    /// <param name="cancellationToken">Stops a long-running command as Ctrl+C would.</param>
    /// <returns>The process exit code.</returns>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, bool interactive, CancellationToken cancellationToken)
    {
        var parse = Create(interactive).Parse(PingCommand.SpellOutBareStamp(args));

        // A reader that goes away (| head) ends the command as Ctrl+C would, and quietly.
        using var outputClosed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var guarded = new ClosedOutput(output, outputClosed);

        // Signals are handled by Program, which owns the process; RunAsync only sees the token.
        var configuration = new InvocationConfiguration { Output = guarded, Error = error, ProcessTerminationTimeout = null };

        // Help and version are answered by the parser itself; anything else it rejects is a one-line usage error.
        if (parse.Errors.Count > 0)
        {
            // A mistyped word also makes its command "missing"; naming the word is what helps.
            var message = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("unrecognized option", StringComparison.Ordinal))?.Message
                ?? (parse.UnmatchedTokens.Count > 0 ? $"unrecognized argument '{parse.UnmatchedTokens[0]}'" : parse.Errors[0].Message);
            await error.WriteLineAsync($"udpecho: {message} (see 'udpecho --help')").ConfigureAwait(false);
            return UsageError;
        }

        var exitCode = await parse.InvokeAsync(configuration, outputClosed.Token).ConfigureAwait(false);
        return guarded.IsClosed ? ClosedOutput.ExitCode : exitCode;
    }
}
