using BenchmarkDotNet.Attributes;
using UdpEcho.Probing;

namespace UdpEcho.Benchmarks.Probing;

/// <summary>
/// <see cref="LatencyHistogram.Record"/>, once per echo of a probe: round trips from 10 µs to 10 ms in nanoseconds,
/// spread evenly on a log scale and shuffled, into a histogram sized for a 1-second timeout as a probe's is.
/// </summary>
[MemoryDiagnoser]
public class LatencyHistogramBenchmarks
{
    private const int Values = 1024;

    private readonly LatencyHistogram _histogram = new(1_000_000_000);
    private readonly long[] _values = new long[Values];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        for (var i = 0; i < Values; i++)
        {
            _values[i] = (long)(10_000 * Math.Pow(1_000, random.NextDouble()));
        }
    }

    [Benchmark(OperationsPerInvoke = Values)]
    public long Record()
    {
        foreach (var value in _values)
        {
            _histogram.Record(value);
        }

        return _histogram.TotalCount;
    }
}
