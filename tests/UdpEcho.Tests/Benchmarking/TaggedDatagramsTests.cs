using UdpEcho.Benchmarking;

namespace UdpEcho.Tests.Benchmarking;

/// <summary>How the load generator tells its own echoes from late ones, without a socket.</summary>
public sealed class TaggedDatagramsTests
{
    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Match_LateEchoAfterItsPlaceWasTakenByAnUnsentDatagram_IsUnmatchedNotCorrupt()
    {
        // A datagram times out; its place goes to the next one, which the full socket refuses (Unsend); then the first
        // one's echo arrives late. It is an intact echo of an earlier use: unmatched, never corrupt.
        const int Size = 64;
        var datagrams = InFlightDatagrams.Create(Size, window: 1, timeoutTicks: 100);
        var first = new byte[Size];
        datagrams.Prepare(first);
        var place = datagrams.Add(first, sentAt: 1_000, measured: true);

        Assert.Equal(1, datagrams.Expire(now: 1_200));
        var refused = new byte[Size];
        datagrams.Prepare(refused);
        Assert.Equal(place, datagrams.Add(refused, sentAt: 1_300, measured: true));
        datagrams.Unsend(place);

        Assert.Equal(EchoMatch.Unmatched, datagrams.Match(first, receivedAt: 1_400, out _, out _));

        // The place still works: the next datagram in it is answered.
        var next = new byte[Size];
        datagrams.Prepare(next);
        datagrams.Add(next, sentAt: 1_500, measured: true);
        Assert.Equal(EchoMatch.Answered, datagrams.Match(next, receivedAt: 1_550, out var sentAt, out _));
        Assert.Equal(1_500, sentAt);
        await Task.CompletedTask;
    }
}
