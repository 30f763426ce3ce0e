using BenchmarkDotNet.Attributes;
using UdpEcho.Addressing;
using UdpEcho.Policy;

namespace UdpEcho.Benchmarks.Policy;

/// <summary>
/// The rate limits' arithmetic: one <see cref="TokenBucket"/>, and the per-source <see cref="RateLimitTable"/> with a
/// known source, with many known sources, and full, where every new source evicts the oldest. Time is a counter that
/// moves 1 µs per call, so the refill runs every time and no clock is measured.
/// </summary>
[MemoryDiagnoser]
public class TokenBucketBenchmarks
{
    private const long Frequency = 1_000_000_000;
    private const long Step = 1_000;
    private const double PerSecond = 1e12;
    private const double Burst = 1e12;
    private const int Sources = 1024;

    // An array of one, so that the mutable struct is changed in place.
    private readonly TokenBucket[] _bucket = [TokenBucket.Full(Burst, 0)];
    private readonly RateLimitTable _roomy = new(Sources, PerSecond, Burst, Frequency);
    private readonly RateLimitTable _full = new(Sources / 4, PerSecond, Burst, Frequency);
    private readonly UInt128[] _sources = new UInt128[Sources];
    private long _now;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        for (var i = 0; i < Sources; i++)
        {
            _sources[i] = SourceAddress.MappedPrefix | (uint)(0x0A00_0000 + i); // 10.0.0.0 and up
            _roomy.TryTake(_sources[i], 0);
        }
    }

    [Benchmark(Baseline = true)]
    public bool Bucket() => _bucket[0].TryTake(_now += Step, PerSecond / Frequency, Burst);

    [Benchmark]
    public bool TableOneSource() => _roomy.TryTake(_sources[0], _now += Step);

    [Benchmark]
    public bool TableManySources() => _roomy.TryTake(NextSource(), _now += Step);

    /// <summary>1,024 sources through a table of 256: every call evicts one and adds one.</summary>
    [Benchmark]
    public bool TableEvicting() => _full.TryTake(NextSource(), _now += Step);

    private UInt128 NextSource() => _sources[_next++ & (Sources - 1)];
}
