using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;

namespace UdpEcho.Tests.Samples;

/// <summary>
/// A sample or seed program running as a child process with redirected stdin, stdout and stderr. Output is read
/// as it comes, through pipes, so a test waits for the line it expects rather than for a guessed delay, and a
/// program that buffers its output instead of flushing it fails the wait. Disposing kills the process tree.
/// </summary>
internal sealed class SampleProcess : IAsyncDisposable
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly Process _process;
    private readonly string _commandLine;
    private readonly Channel<string> _unread = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly Task _pumps;

    private SampleProcess(Process process, string commandLine)
    {
        _process = process;
        _commandLine = commandLine;
        // On the thread pool, away from xunit's synchronization context, so that reading never waits for a test thread.
        _pumps = Task.WhenAll(Task.Run(PumpStdoutAsync), Task.Run(PumpStderrAsync));
    }

    public int Id => _process.Id;

    /// <summary>Gets the child's stdin; <see cref="StreamWriter.AutoFlush"/> is on and lines end with <c>\n</c>.</summary>
    public StreamWriter Input => _process.StandardInput;

    /// <summary>Gets every stdout line so far, including those the waits consumed.</summary>
    public IReadOnlyList<string> StdoutLines
    {
        get
        {
            lock (_stdout)
            {
                return [.. _stdout];
            }
        }
    }

    /// <summary>Gets every stderr line so far.</summary>
    public IReadOnlyList<string> StderrLines
    {
        get
        {
            lock (_stderr)
            {
                return [.. _stderr];
            }
        }
    }

    /// <summary>Starts a sample from the test output folder: <c>dotnet EchoServer.dll args...</c>.</summary>
    public static SampleProcess StartSample(string sample, params string[] args)
    {
        var command = SampleCommand(sample, args);
        return Start(command[0], command[1..]);
    }

    /// <summary>Starts a sample through a launcher command that then runs it, e.g. <c>env --default-signal=INT</c>.</summary>
    public static SampleProcess StartSampleUnder(string[] launcher, string sample, params string[] args)
    {
        var direct = SampleCommand(sample, args);
        return Start(launcher[0], [.. launcher[1..], .. direct]);
    }

    /// <summary>
    /// Starts the EchoServer sample on port 0 and waits until it listens; the port comes from its listening line,
    /// so no port is guessed and parallel tests never collide.
    /// </summary>
    public static async Task<(SampleProcess Server, int Port)> StartEchoServerAsync()
    {
        var server = StartSample("EchoServer", "0");
        try
        {
            const string Prefix = "Listening on 0.0.0.0:";
            var line = await server.WaitForLineAsync(l => l.StartsWith(Prefix, StringComparison.Ordinal), "the listening line");
            var port = int.Parse(line.AsSpan(Prefix.Length, line.IndexOf(';', StringComparison.Ordinal) - Prefix.Length), CultureInfo.InvariantCulture);
            return (server, port);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts any program with redirected standard streams.</summary>
    public static SampleProcess Start(string fileName, params string[] args)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = Utf8,
            StandardOutputEncoding = Utf8,
            StandardErrorEncoding = Utf8,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        process.StandardInput.AutoFlush = true;
        process.StandardInput.NewLine = "\n";
        return new SampleProcess(process, string.Join(' ', [fileName, .. args]));
    }

    /// <summary>Writes each line to stdin, then closes stdin so that the program sees end of input.</summary>
    public async Task WriteLinesAndCloseAsync(params string[] lines)
    {
        foreach (var line in lines)
        {
            await Input.WriteLineAsync(line).WaitAsync(TestTimeouts.Await);
        }

        Input.Close();
    }

    /// <summary>Reads stdout until a line equal to <paramref name="expected"/> arrives; earlier lines are skipped.</summary>
    public Task<string> WaitForLineAsync(string expected) => WaitForLineAsync(line => line == expected, $"the line '{expected}'");

    /// <summary>Reads stdout until a line matching <paramref name="match"/> arrives, for at most <see cref="TestTimeouts.Await"/>.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, string description)
    {
        using var deadline = new CancellationTokenSource(TestTimeouts.Await);
        try
        {
            while (true)
            {
                var line = await _unread.Reader.ReadAsync(deadline.Token);
                if (match(line))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No stdout line was {description} within {TestTimeouts.Await.TotalSeconds} s. {Describe()}");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"Stdout ended without {description}. {Describe()}");
        }
    }

    /// <summary>Waits for the program to exit and for its output to be read to the end, then returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        var bound = timeout ?? TestTimeouts.Await;
        try
        {
            await _process.WaitForExitAsync().WaitAsync(bound);
            await _pumps.WaitAsync(bound);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"The program did not exit within {bound.TotalSeconds} s. {Describe()}", e);
        }

        return _process.ExitCode;
    }

    /// <summary>Sends a signal, such as <c>TERM</c> or <c>INT</c>, with the system's kill command.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, Id.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })
            ?? throw new InvalidOperationException("Could not start kill.");
        await kill.WaitForExitAsync().WaitAsync(TestTimeouts.Await);
        Assert.True(kill.ExitCode == 0, $"kill -{signal} {Id} failed with exit code {kill.ExitCode}.");
    }

    /// <summary>Kills the process tree if it still runs: a failed test must not leave a server holding a port.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync().WaitAsync(TestTimeouts.Await);
            await _pumps.WaitAsync(TestTimeouts.Await);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // Already gone, or stuck: nothing more a test can do, and the test's own failure says more.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static string[] SampleCommand(string sample, string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, sample + ".dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is missing: the test project must reference samples/{sample}/{sample}.csproj.", dll);
        }

        // A self-contained run (net8.0, see tests/Directory.Build.props) has the .NET 8 runtime next to the tests, and
        // no .NET 8 may be installed: run the sample on that same runtime, whose deps.json lists the samples too.
        var tests = Path.Combine(AppContext.BaseDirectory, typeof(SampleProcess).Assembly.GetName().Name!);
        if (File.ReadAllText(tests + ".runtimeconfig.json").Contains("\"includedFrameworks\"", StringComparison.Ordinal))
        {
            return [DotnetHost, "exec", "--runtimeconfig", tests + ".runtimeconfig.json", "--depsfile", tests + ".deps.json", dll, .. args];
        }

        // Otherwise the samples' own runtimeconfig.json applies: net8.0, rolled forward to the newest runtime installed.
        return [DotnetHost, dll, .. args];
    }

    private static string DotnetHost
    {
        get
        {
            // The test host usually runs under the dotnet muxer itself; use the same one, whatever PATH says.
            var current = Environment.ProcessPath;
            if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet")
            {
                return current;
            }

            return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        }
    }

    private string Describe()
    {
        var exit = _process.HasExited ? $"exited with {_process.ExitCode}" : "still running";
        return $"Command: {_commandLine} ({exit}). Stdout: [{string.Join(" | ", StdoutLines)}] Stderr: [{string.Join(" | ", StderrLines)}]";
    }

    private async Task PumpStdoutAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            lock (_stdout)
            {
                _stdout.Add(line);
            }

            _unread.Writer.TryWrite(line);
        }

        _unread.Writer.TryComplete();
    }

    private async Task PumpStderrAsync()
    {
        while (await _process.StandardError.ReadLineAsync() is { } line)
        {
            lock (_stderr)
            {
                _stderr.Add(line);
            }
        }
    }
}
