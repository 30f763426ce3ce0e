using BenchmarkDotNet.Attributes;
using UdpEcho.Correlation;

namespace UdpEcho.Benchmarks.Correlation;

/// <summary>The 24-byte header of a tagged datagram: written before every send, read for every datagram received.</summary>
[MemoryDiagnoser]
public class EchoTagBenchmarks
{
    private readonly byte[] _datagram = new byte[EchoTag.Length + 64];
    private ulong _sequence;

    [GlobalSetup]
    public void Setup()
    {
        EchoTag.WriteStream(_datagram, stream: 1);
        EchoTag.WriteSequence(_datagram, sequence: 1, timestamp: 123_456_789);
    }

    /// <summary>What changes per datagram; magic and stream are written once per buffer.</summary>
    [Benchmark]
    public void Write() => EchoTag.WriteSequence(_datagram, ++_sequence, timestamp: 123_456_789);

    [Benchmark]
    public long Read() => EchoTag.TryRead(_datagram, out var tag) ? tag.CallNumber : -1;
}
