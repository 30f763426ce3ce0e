using UdpEcho.Stamp;

namespace UdpEcho.Tests.Stamp;

/// <summary>
/// The loss split against replies a model of a stateful reflector (RFC 8762 §4.3.1: it counts the packets it sends,
/// from 0, per session) produces for known losses each way.
/// </summary>
public sealed class StampLossTrackerTests
{
    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Split_NothingLost_IsZero()
    {
        var tracker = Track(Stateful(sent: 100, lostOnTheWayOut: _ => false, lostOnTheWayBack: _ => false));

        Assert.Equal(new StampLossSplit(0, 0, 0), tracker.Split(100, reflectorIsStateful: false));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Split_EverySeventhOutAndEveryEleventhReplyBack_AreEachCounted()
    {
        // The check: the reflector ignores test packets 7, 14, ... and drops replies 11, 22, ... (counting from 1).
        // Of 100: 14 ignored; of the 86 replies, 7 dropped; the last packet (99) is answered, so nothing is left unattributed.
        var replies = Stateful(sent: 100, lostOnTheWayOut: arrival => arrival % 7 == 0, lostOnTheWayBack: reply => reply % 11 == 0);

        var tracker = Track(replies);

        Assert.Equal(79, tracker.Answered);
        Assert.True(tracker.SawReflectorCount);
        Assert.Equal(new StampLossSplit(14, 7, 0), tracker.Split(100, reflectorIsStateful: false));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Split_RepliesInAnyOrder_IsTheSame()
    {
        var replies = Stateful(sent: 1000, lostOnTheWayOut: arrival => arrival % 13 == 0, lostOnTheWayBack: reply => reply % 5 == 0);
        var expected = Track(replies).Split(1000, false);

        var shuffled = replies.OrderBy(_ => Random.Shared.Next()).ToList();

        Assert.Equal(expected, Track(shuffled).Split(1000, false));
        Assert.Equal(new StampLossSplit(76, 184, 0), expected); // 1000 / 13 = 76 out; 924 replies, 924 / 5 = 184 back
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Split_LossesAfterTheLastReply_AreUnattributed()
    {
        // Packets 0-9: 3, 6 and 9 lost on the way out, the replies to 2 and 8 on the way back. Nothing after the last
        // reply (packet 7) says which way 8 and 9 went.
        var replies = new List<(uint, uint)> { (0, 0), (1, 1), (4, 3), (5, 4), (7, 5) };

        Assert.Equal(new StampLossSplit(Forward: 2, Backward: 1, Unattributed: 2), Track(replies).Split(10, false));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Split_StatelessReflector_IsUnattributedUnlessDeclaredStateful()
    {
        // A stateless reflector echoes the sender's sequence: replies 0-9 of 0-11, 3 and 8 lost (which way is unknowable).
        var replies = Enumerable.Range(0, 12).Where(s => s is not 3 and not 8).Select(s => ((uint)s, (uint)s)).ToList();
        var tracker = Track(replies);

        Assert.False(tracker.SawReflectorCount);
        Assert.Equal(new StampLossSplit(0, 0, 2), tracker.Split(12, reflectorIsStateful: false));

        // A stateful reflector with the same replies lost nothing on the way out.
        Assert.Equal(new StampLossSplit(0, 2, 0), tracker.Split(12, reflectorIsStateful: true));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Split_CountNotStartedForThisRun_IsUnattributed()
    {
        // A session the reflector already knew: its count is past what this run sent.
        var replies = new List<(uint, uint)> { (0, 500), (1, 501), (3, 502) };

        Assert.Equal(new StampLossSplit(0, 0, 2), Track(replies).Split(5, true));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Split_NoReply_IsUnattributed()
    {
        Assert.Equal(new StampLossSplit(0, 0, 20), new StampLossTracker().Split(20, true));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Split_ReorderedOnTheWayOut_NeverGoesNegative()
    {
        // Packets 0-3 reach the reflector as 0, 3, 1, 2; replies 1 (packet 3) and 3 (packet 2) are lost on the way back.
        var replies = new List<(uint, uint)> { (0, 0), (1, 2) };

        var split = Track(replies).Split(4, false);

        Assert.Equal(new StampLossSplit(0, 1, 1), split);
        Assert.Equal(2, split.Total);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Split_AfterAWarmUp_CountsOnlyTheRunsPackets()
    {
        // Packets 0-4 warm up, 5-104 are the run. Out: arrivals 7, 14, ... 105 lost (0-based 6, 13, ... 104: 15 of the run,
        // the last one after the run's last reply). Back: replies 11, 22, ... lost (counts 10, 21, ... 87: 8 in the run).
        // The warm-up's last reply (packet 4, count 4) says the run's first packet was the reflector's count 5.
        var replies = Stateful(sent: 105, lostOnTheWayOut: arrival => arrival % 7 == 0, lostOnTheWayBack: reply => reply % 11 == 0);
        var warmUpLast = replies.Single(r => r.Sender == 4);
        var tracker = Track(replies.Where(r => r.Sender >= 5));

        Assert.Equal(77, tracker.Answered);
        Assert.Equal(new StampLossSplit(Forward: 14, Backward: 8, Unattributed: 1), tracker.Split(100, true, firstSequence: 5, reflectorBase: warmUpLast.Reflector + 1));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Split_AfterAWarmUpWhoseLastReplyNeverCame_IsUnattributed()
    {
        var replies = Stateful(sent: 20, lostOnTheWayOut: arrival => arrival == 3, lostOnTheWayBack: reply => reply % 4 == 0);
        var tracker = Track(replies.Where(r => r.Sender >= 3));

        Assert.Equal(new StampLossSplit(0, 0, 17 - tracker.Answered), tracker.Split(17, true, firstSequence: 3, reflectorBase: null));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Split_MoreThan2To32Packets_SplitsOnUnwrappedSequences()
    {
        // The run's packets 2^32 - 2 .. 2^32 + 2 (wire sequences 0xFFFFFFFE, 0xFFFFFFFF, 0, 1, 2) after a warm-up of 2^32 - 2:
        // the second lost on the way out, the fourth's reply on the way back. The caller unwraps both counts.
        const long First = (1L << 32) - 2;
        var tracker = new StampLossTracker();
        tracker.Record(First, First);
        tracker.Record(First + 2, First + 1);
        tracker.Record(First + 4, First + 3);

        Assert.Equal(new StampLossSplit(1, 1, 0), tracker.Split(5, true, First, reflectorBase: First));
        await Task.CompletedTask;
    }

    /// <summary>
    /// The replies a stateful reflector's session produces: test packets 0..sent-1 arrive in order unless lost on the way
    /// out (by arrival number, from 1); each arrival gets the next count; replies lost on the way back (by count, from 1)
    /// never come. Returns (sender sequence, reflector sequence) of the replies that come.
    /// </summary>
    private static List<(uint Sender, uint Reflector)> Stateful(int sent, Func<int, bool> lostOnTheWayOut, Func<int, bool> lostOnTheWayBack)
    {
        var replies = new List<(uint, uint)>();
        var count = 0u;
        for (var sequence = 0u; sequence < sent; sequence++)
        {
            if (lostOnTheWayOut((int)sequence + 1))
            {
                continue;
            }

            var reflected = count++;
            if (!lostOnTheWayBack((int)reflected + 1))
            {
                replies.Add((sequence, reflected));
            }
        }

        return replies;
    }

    private static StampLossTracker Track(IEnumerable<(uint Sender, uint Reflector)> replies)
    {
        var tracker = new StampLossTracker();
        foreach (var (sender, reflector) in replies)
        {
            tracker.Record(sender, reflector);
        }

        return tracker;
    }
}
