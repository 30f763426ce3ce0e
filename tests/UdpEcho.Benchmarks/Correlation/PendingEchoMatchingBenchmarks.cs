using BenchmarkDotNet.Attributes;
using UdpEcho.Correlation;

namespace UdpEcho.Benchmarks.Correlation;

/// <summary>
/// What the client's receive loop does to match an echo to its call, among <see cref="InFlight"/> calls: in
/// exact-bytes mode, hash the echo and find the oldest call with exactly those bytes; in tagged mode, read the tag,
/// find the call it names and compare the payload. Also a call's own bookkeeping: into the table and out again.
/// </summary>
[MemoryDiagnoser]
public class PendingEchoMatchingBenchmarks
{
    private const int PayloadSize = 64;

    private readonly PendingEchoTable _exact = new();
    private readonly PendingEchoTable _tagged = new();
    private PendingEcho _extra = null!;
    private byte[] _exactEcho = null!;
    private byte[] _taggedEcho = null!;

    [Params(1, 64)]
    public int InFlight { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        for (var call = 0; call < InFlight; call++)
        {
            var payload = Payload(call);
            _exact.Add(Call(payload, PendingEchoTable.HashOf(payload), callNumber: -1));

            var tagged = Call(payload, PendingEchoTable.HashOf(call), call);
            tagged.PrepareTagged(payload);
            EchoTag.WriteSequence(tagged.Datagram, EchoTag.CallSequence(call, attempt: 1), timestamp: 0);
            _tagged.Add(tagged);

            // The echo looked for is the newest call's: the last in its chain.
            _exactEcho = payload;
            _taggedEcho = tagged.Datagram.AsSpan(0, tagged.DatagramLength).ToArray();
        }

        var extra = Payload(InFlight);
        _extra = Call(extra, PendingEchoTable.HashOf(extra), callNumber: -1);
    }

    [Benchmark(Baseline = true)]
    public bool ExactBytes() => _exact.FindExact(PendingEchoTable.HashOf(_exactEcho), _exactEcho) is not null;

    [Benchmark]
    public bool Tagged() =>
        EchoTag.TryRead(_taggedEcho, out var tag)
        && _tagged.FindCall(tag.CallNumber) is { } call
        && _taggedEcho.AsSpan(EchoTag.Length).SequenceEqual(call.TaggedPayload);

    [Benchmark]
    public int AddAndRemove()
    {
        _exact.Add(_extra);
        _exact.Remove(_extra);
        return _exact.Count;
    }

    private static byte[] Payload(int call)
    {
        var payload = new byte[PayloadSize];
        BitConverter.TryWriteBytes(payload, call);
        return payload;
    }

    // The table never touches a call's owner, which only the awaiting and the sending need.
    private static PendingEcho Call(byte[] payload, int hash, long callNumber) =>
        new(owner: null!) { Payload = payload, Hash = hash, CallNumber = callNumber };
}
