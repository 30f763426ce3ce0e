namespace UdpEcho.Tests;

/// <summary>Per-test time limits, in milliseconds, for <c>[Fact(Timeout = ...)]</c>. Generous: they catch hangs, not slowness.</summary>
internal static class TestTimeouts
{
    public const int Short = 10_000;
    public const int Long = 60_000;

    /// <summary>The bound for any single await inside a test.</summary>
    public static readonly TimeSpan Await = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A client's timeout for an echo that must come. The client's default of 1 second is too short for a test: on a
    /// starved 2-core CI machine a loopback echo has been seen to take longer.
    /// </summary>
    public static readonly TimeSpan Echo = TimeSpan.FromSeconds(4);
}
