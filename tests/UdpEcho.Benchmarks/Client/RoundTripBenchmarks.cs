using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;

namespace UdpEcho.Benchmarks.Client;

/// <summary>
/// Whole round trips, one call in flight: <see cref="UdpEchoClient.SendAndReceiveAsync"/> to a <see cref="UdpEchoServer"/>
/// in this process over 127.0.0.1, and back. Client and server both allocate nothing in steady state, so this must
/// report 0 B per operation.
/// </summary>
/// <remarks>
/// The calls are awaited one after another inside one invocation, as a caller would, so BenchmarkDotNet blocks and
/// wakes its thread once per <see cref="CallsPerInvoke"/> calls rather than once per call. The method's own state
/// machine comes from a pool, so the harness adds no allocation of its own either.
/// </remarks>
[MemoryDiagnoser]
public class RoundTripBenchmarks
{
    private const int CallsPerInvoke = 100;

    private readonly byte[] _payload = new byte[64];
    private UdpEchoServer _server = null!;
    private UdpEchoClient _client = null!;

    [Params(UdpEchoMatching.ExactBytes, UdpEchoMatching.Tagged)]
    public UdpEchoMatching Matching { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _server = await LoopbackServer.StartAsync(this);
        _client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = _server.LocalEndPoint, Matching = Matching });

        // The first call connects the client; from then on it is in steady state.
        await _client.SendAndReceiveAsync(_payload);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Benchmark(OperationsPerInvoke = CallsPerInvoke)]
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAndReceive()
    {
        for (var i = 0; i < CallsPerInvoke; i++)
        {
            await _client.SendAndReceiveAsync(_payload);
        }
    }
}
