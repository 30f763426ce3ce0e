using System.Net.Sockets;
using UdpEcho.Diagnostics;
using UdpEcho.Policy;
using UdpEcho.Probing;
using UdpEcho.Transport;

namespace UdpEcho.Pipeline;

/// <summary>
/// Everything a server has counted, across all its runs: the running loops' and queues' <see cref="CounterBlock"/>s,
/// the delay queues (for their lateness), the sockets still open (whose kernel drop counts are read when asked), and
/// the sums of the runs that have stopped. Summing happens here, when someone asks; nothing on the per-datagram path
/// is shared.
/// </summary>
internal sealed class StatisticsRegistry
{
    private readonly object _gate = new();
    private readonly List<CounterBlock> _blocks = [];
    private readonly List<DelayQueue> _queues = [];
    private readonly long[] _retired = new long[CounterBlock.Count];
    private LatencyHistogram? _retiredLateness;
    private (Socket Socket, CounterBlock Block)[] _live = [];

    public void Add(CounterBlock block)
    {
        lock (_gate)
        {
            _blocks.Add(block);
        }
    }

    public void Add(DelayQueue queue)
    {
        lock (_gate)
        {
            _queues.Add(queue);
        }
    }

    /// <summary>Sets the open sockets, each with the block its loop reports kernel drops in; empty once a run has stopped.</summary>
    public void SetLive((Socket Socket, CounterBlock Block)[] live)
    {
        lock (_gate)
        {
            _live = live;
        }
    }

    /// <summary>Folds a stopped run's counters and lateness into the totals and lets go of them, so restarts cost no memory.</summary>
    public void Retire(IEnumerable<CounterBlock> blocks, IEnumerable<DelayQueue> queues)
    {
        lock (_gate)
        {
            foreach (var block in blocks)
            {
                AddTo(_retired, block);
                _blocks.Remove(block);
            }

            foreach (var queue in queues)
            {
                queue.AddLatenessTo(ref _retiredLateness);
                _queues.Remove(queue);
            }
        }
    }

    public UdpEchoServerStatistics Snapshot()
    {
        var sums = new long[CounterBlock.Count];
        LatencyHistogram? lateness = null;
        lock (_gate)
        {
            _retired.CopyTo(sums, 0);
            foreach (var block in _blocks)
            {
                AddTo(sums, block);
            }

            if (_retiredLateness is not null)
            {
                lateness = new LatencyHistogram(_retiredLateness.HighestTrackableValue);
                lateness.Add(_retiredLateness);
            }

            // A loop reports the kernel's count as of its last batch; the kernel knows of later drops too.
            foreach (var (socket, block) in _live)
            {
                var now = UdpSockets.ReadKernelDrops(socket);
                var seen = block.Read(ServerCounter.KernelDrops);
                if (now > seen)
                {
                    sums[(int)ServerCounter.KernelDrops] += now - seen;
                }
            }

            foreach (var queue in _queues)
            {
                queue.AddLatenessTo(ref lateness);
            }
        }

        long Drops(DropReason reason) => sums[(int)ServerCounter.DropBase + (int)reason];
        var dropped = 0L;
        for (var reason = 1; reason < DropReasons.Count; reason++)
        {
            dropped += sums[(int)ServerCounter.DropBase + reason];
        }

        return new UdpEchoServerStatistics
        {
            DatagramsReceived = sums[(int)ServerCounter.DatagramsReceived],
            BytesReceived = sums[(int)ServerCounter.BytesReceived],
            DatagramsEchoed = sums[(int)ServerCounter.DatagramsEchoed],
            BytesEchoed = sums[(int)ServerCounter.BytesEchoed],
            DatagramsDropped = dropped,
            DroppedTooLarge = Drops(DropReason.TooLarge),
            ReceiveErrors = sums[(int)ServerCounter.ReceiveErrors],
            SendErrors = Drops(DropReason.SendFailed),
            SubscriberErrors = sums[(int)ServerCounter.SubscriberErrors],
            DroppedBySourcePort = Drops(DropReason.SourcePort),
            DroppedBySourceAddress = Drops(DropReason.SourceAddress),
            DroppedNotAllowed = Drops(DropReason.NotAllowed),
            DroppedByRateLimit = Drops(DropReason.RateLimited),
            DroppedByLoopGuard = Drops(DropReason.LoopGuard),
            DroppedByImpairment = Drops(DropReason.ImpairedLoss),
            DroppedByQueueLimit = Drops(DropReason.QueueFull),
            DroppedTooShort = Drops(DropReason.TooShort),
            DroppedAtShutdown = Drops(DropReason.Shutdown),
            DroppedByKernel = sums[(int)ServerCounter.KernelDrops],
            DelayedEchoes = sums[(int)ServerCounter.DelayedEchoes],
            DelayLatenessP50 = Microseconds(lateness?.ValueAtPercentile(50)),
            DelayLatenessP99 = Microseconds(lateness?.ValueAtPercentile(99)),
            DelayLatenessMax = Microseconds(lateness?.Max),
        };
    }

    private static void AddTo(long[] sums, CounterBlock block)
    {
        for (var i = 0; i < (int)ServerCounter.DropBase; i++)
        {
            sums[i] += block.Read((ServerCounter)i);
        }

        for (var reason = 0; reason < DropReasons.Count; reason++)
        {
            sums[(int)ServerCounter.DropBase + reason] += block.Read((DropReason)reason);
        }
    }

    private static TimeSpan Microseconds(long? value) => value is long microseconds and > 0 ? TimeSpan.FromTicks(microseconds * 10) : TimeSpan.Zero;
}
