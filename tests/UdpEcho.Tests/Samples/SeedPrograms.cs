using System.Diagnostics;

namespace UdpEcho.Tests.Samples;

/// <summary>
/// Compiles the original C server and client (Seed/server.c and Seed/client.c, copied to the test output) once
/// per test class into a temporary folder. Without gcc the interop tests fail with a message that says so: the
/// samples must be shown to work against the originals, so a machine that cannot build them cannot pass.
/// </summary>
public sealed class SeedPrograms : IAsyncLifetime
{
    /// <summary>
    /// gnu99 keeps gets() declared (glibc hides it from C11 on), and the warnings it raises are silenced rather than
    /// the source changed. <c>-include arpa/inet.h</c> declares inet_ntoa, which the original forgot: without it, the
    /// returned pointer is truncated to an int and the server crashes on its first datagram on 64-bit systems.
    /// </summary>
    public static readonly string[] CompilerFlags =
        ["-std=gnu99", "-Wno-deprecated-declarations", "-Wno-implicit-function-declaration", "-include", "arpa/inet.h"];

    private static readonly TimeSpan CompileTimeout = TimeSpan.FromSeconds(30);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "udpecho-seed-" + Guid.NewGuid().ToString("N"));

    /// <summary>Gets the path of the compiled original server.</summary>
    public string ServerPath => Path.Combine(_folder, "server");

    /// <summary>Gets the path of the compiled original client.</summary>
    public string ClientPath => Path.Combine(_folder, "client");

    /// <summary>
    /// Gets the path of coreutils' stdbuf. The original client writes to stdout through stdio, which holds 4 KB
    /// back when stdout is a pipe and the client never flushes; <c>stdbuf -oL</c> makes it line buffered without
    /// touching the source.
    /// </summary>
    public static string StdbufPath => FindOnPath("stdbuf")
        ?? throw new InvalidOperationException("stdbuf (GNU coreutils) was not found on PATH; the interop tests need it to read the original client's output through a pipe.");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        await Task.WhenAll(CompileAsync("server"), CompileAsync("client"));
    }

    public Task DisposeAsync()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }

        return Task.CompletedTask;
    }

    private async Task CompileAsync(string name)
    {
        var source = Path.Combine(AppContext.BaseDirectory, "Seed", name + ".c");
        var startInfo = new ProcessStartInfo("gcc") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in (string[])[.. CompilerFlags, "-o", Path.Combine(_folder, name), source])
        {
            startInfo.ArgumentList.Add(argument);
        }

        Process gcc;
        try
        {
            gcc = Process.Start(startInfo) ?? throw new InvalidOperationException("Could not start gcc.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                $"gcc was not found ({e.Message}). The interop tests compile the project's original C programs in Seed/ to check the samples against them; install gcc (e.g. apt-get install gcc).", e);
        }

        using (gcc)
        {
            var stderr = gcc.StandardError.ReadToEndAsync();
            var stdout = gcc.StandardOutput.ReadToEndAsync();
            await gcc.WaitForExitAsync().WaitAsync(CompileTimeout);
            var output = (await stdout.WaitAsync(CompileTimeout)) + (await stderr.WaitAsync(CompileTimeout));

            // The linker always warns that gets() is dangerous; only the exit code decides.
            if (gcc.ExitCode != 0)
            {
                throw new InvalidOperationException($"gcc {string.Join(' ', startInfo.ArgumentList)} failed with exit code {gcc.ExitCode}:\n{output}");
            }
        }
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, program))
            .FirstOrDefault(File.Exists);
}
