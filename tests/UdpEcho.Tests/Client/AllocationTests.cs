namespace UdpEcho.Tests.Client;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    public const string Name = "Allocation";
}

/// <summary>
/// Proves that a call allocates nothing in steady state. The count is process-wide (the receive loop runs on other
/// threads), so these tests run alone, against a peer that allocates nothing either.
/// </summary>
/// <remarks>
/// The runtime allocates a little now and then on its own (tiered JIT, thread-pool and timer bookkeeping, the test
/// host), so the calls are measured in several rounds and the quietest round counts. A single 24-byte object per call
/// would put 240,000 bytes into every round; the bound is two bytes per call.
/// </remarks>
[Collection(AllocationCollection.Name)]
public sealed class AllocationTests
{
    private const int Warmup = 5_000;
    private const int CallsPerRound = 10_000;
    private const int Rounds = 5;
    private const long Bound = 2 * CallsPerRound;

    [Theory(Timeout = TestTimeouts.Long)]
    [InlineData(UdpEchoMatching.ExactBytes)]
    [InlineData(UdpEchoMatching.Tagged)]
    public async Task SendAndReceiveAsync_SteadyState_AllocatesNothingPerCall(UdpEchoMatching matching)
    {
        await using var server = new AllocationFreeEchoPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.EndPoint, Matching = matching, Timeout = TestTimeouts.Echo });
        var payload = new byte[64];

        var quietest = await QuietestRoundAsync(calls => RunAsync(client, payload, calls));

        Assert.True(quietest < Bound, $"The quietest round of {CallsPerRound} calls allocated {quietest} bytes ({(double)quietest / CallsPerRound:0.##} per call).");
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task SendAndReceiveAsync_EightConcurrentCallers_AllocateNothingPerCall()
    {
        await using var server = new AllocationFreeEchoPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.EndPoint, Timeout = TestTimeouts.Echo });
        var payloads = Enumerable.Range(0, 8).Select(i => new byte[64 + i]).ToArray();

        var quietest = await QuietestRoundAsync(calls => Task.WhenAll(payloads.Select(p => RunAsync(client, p, calls / payloads.Length))));

        Assert.True(quietest < Bound, $"The quietest round of {CallsPerRound} concurrent calls allocated {quietest} bytes ({(double)quietest / CallsPerRound:0.##} per call).");
    }

    private static async Task<long> QuietestRoundAsync(Func<int, Task> run)
    {
        // Off xunit's synchronization context, whose Post would allocate for every await.
        return await Task.Run(async () =>
        {
            await run(Warmup);
            var quietest = long.MaxValue;
            for (var round = 0; round < Rounds && quietest >= Bound; round++)
            {
                var before = GC.GetTotalAllocatedBytes(precise: true);
                await run(CallsPerRound);
                quietest = Math.Min(quietest, GC.GetTotalAllocatedBytes(precise: true) - before);
            }

            return quietest;
        }).WaitAsync(TimeSpan.FromSeconds(50));
    }

    private static async Task RunAsync(UdpEchoClient client, byte[] payload, int calls)
    {
        for (var i = 0; i < calls; i++)
        {
            await client.SendAndReceiveAsync(payload).ConfigureAwait(false);
        }
    }
}
