using System.Runtime.CompilerServices;

namespace UdpEcho.Tests;

/// <summary>
/// The test host parks three thread-pool workers in blocking waits for the whole run (xunit's execution sink and
/// assembly runner, VSTest's message loop). The pool counts them as busy, so on a two-core machine its concurrency goal
/// is used up: work that the client queues (receive loop, probe loop, timer callbacks) then waits for the pool's
/// starvation detection, about 800 ms, and round trips measured meanwhile come out 800 ms long. Raising the minimum
/// lets the pool wake idle workers at once, as it does in an ordinary process.
/// </summary>
internal static class ThreadPoolWarmup
{
    [ModuleInitializer]
#pragma warning disable CA2255 // A test assembly, not a library: this configures the test process itself.
    internal static void RaiseMinimumThreads()
#pragma warning restore CA2255
    {
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, 16), Math.Max(completionPorts, 16));
    }
}
