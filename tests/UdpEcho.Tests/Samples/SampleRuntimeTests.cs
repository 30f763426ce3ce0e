namespace UdpEcho.Tests.Samples;

/// <summary>
/// The samples run as processes on the runtime the tests run on: on .NET 8 in the net8.0 run, although the machine may
/// have no .NET 8 installed (the run is self-contained), and rolled forward to the newest runtime otherwise.
/// </summary>
public sealed class SampleRuntimeTests
{
    [Fact(Timeout = TestTimeouts.Long)]
    public async Task StartSample_RunsOnTheTestsOwnRuntime()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // /proc/PID/maps is Linux's
        }

        var (server, _) = await SampleProcess.StartEchoServerAsync();
        await using (server)
        {
            // Where libcoreclr.so was loaded from says which runtime a process runs on.
            var own = CoreClrPath(await File.ReadAllLinesAsync("/proc/self/maps"));
            var sample = CoreClrPath(await File.ReadAllLinesAsync($"/proc/{server.Id}/maps"));

            Assert.Equal(own, sample);
        }
    }

    private static string CoreClrPath(string[] maps) =>
        maps.Select(l => l[(l.IndexOf('/', StringComparison.Ordinal) is var i and >= 0 ? i : l.Length)..])
            .First(p => p.EndsWith("/libcoreclr.so", StringComparison.Ordinal));
}
