namespace UdpEcho.Hosting.Tests;

/// <summary>Per-test time limits, in milliseconds, for <c>[Fact(Timeout = ...)]</c>. Generous: they catch hangs, not slowness.</summary>
internal static class TestTimeouts
{
    public const int Short = 10_000;

    /// <summary>The bound for any single await inside a test.</summary>
    public static readonly TimeSpan Await = TimeSpan.FromSeconds(5);
}
