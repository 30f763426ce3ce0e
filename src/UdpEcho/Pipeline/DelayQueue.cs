using System.Net;
using System.Net.Sockets;
using UdpEcho.Diagnostics;
using UdpEcho.Policy;
using UdpEcho.Probing;
using UdpEcho.Transport;

namespace UdpEcho.Pipeline;

/// <summary>
/// One receive loop's echoes that wait: delayed, held back to be reordered, or queued behind the bandwidth limit.
/// Ordered by due time (then arrival); bounded in count and bytes; each echo's payload lives in a pinned buffer of the
/// queue's own pool. Whoever serves the queue (the loop itself, or a scheduler thread) calls <see cref="SendDue"/>.
/// </summary>
/// <remarks>
/// One lock guards everything, including this queue's own counters and lateness histogram. When the loop serves its
/// own queue the lock is never contended; with a scheduler thread it is taken once per enqueue and per send.
/// </remarks>
internal sealed class DelayQueue
{
    /// <summary>Lateness is recorded in microseconds, up to a minute.</summary>
    private const long MaxLatenessMicroseconds = 60_000_000;

    private readonly object _gate = new();
    private readonly PriorityQueue<QueuedEcho, (long Due, long Sequence)> _queue = new();
    private readonly Stack<QueuedEcho> _spare = new();
    private readonly PinnedBufferPool _buffers;
    private readonly ServerReporter _report;
    private readonly EchoLoopHandler _stamper;
    private readonly AddressFamily _family;
    private readonly long _frequency;
    private readonly UdpEchoMetrics _metrics;
    private QueuedEcho? _held;
    private LatencyHistogram? _lateness;
    private long _sequence;
    private int _count;
    private long _bytes;
    private long _nextDue = long.MaxValue;
    private TaskCompletionSource? _empty;
    private bool _closed;

    public DelayQueue(ServerReporter report, EchoLoopHandler stamper, AddressFamily family, long frequency, long retainBytes)
    {
        _report = report;
        _stamper = stamper;
        _family = family;
        _frequency = frequency;
        _metrics = report.Shared.Metrics;
        _buffers = new PinnedBufferPool(retainBytes);
    }

    /// <summary>Gets when the earliest echo is due (a timestamp of the server's clock), or <see cref="long.MaxValue"/> when none waits.</summary>
    public long NextDue => Volatile.Read(ref _nextDue);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>
    /// Gets a value indicating whether an echo of <paramref name="length"/> bytes would fit the caps now. Only the loop
    /// enqueues, and the scheduler only takes away, so the answer holds until the loop's own <see cref="TryEnqueue"/>.
    /// </summary>
    public bool HasRoom(int length, ImpairmentModel model)
    {
        lock (_gate)
        {
            return !_closed && _count < model.MaxEchoesPerLoop && _bytes + length <= model.MaxBytesPerLoop;
        }
    }

    /// <summary>Queues a copy of <paramref name="payload"/> for <paramref name="remote"/>, due at <paramref name="due"/>; <see langword="false"/> when the caps leave no room (the caller counts the drop).</summary>
    /// <param name="payload">The echo's bytes.</param>
    /// <param name="remote">Where it goes.</param>
    /// <param name="due">When it is due, on the server's clock.</param>
    /// <param name="hold">Hold it back until the next echo has gone (reordering), or <paramref name="holdTicks"/> more at most.</param>
    /// <param name="holdTicks">How much longer a held echo may wait.</param>
    /// <param name="stamp">Write the transmit time into it just before it is sent (a STAMP reflector's echo).</param>
    /// <param name="model">The impairment in force, for its caps.</param>
    public bool TryEnqueue(ReadOnlySpan<byte> payload, SocketAddress remote, long due, bool hold, long holdTicks, bool stamp, ImpairmentModel model)
    {
        lock (_gate)
        {
            if (_closed || _count >= model.MaxEchoesPerLoop || _bytes + payload.Length > model.MaxBytesPerLoop)
            {
                return false;
            }

            var echo = _spare.TryPop(out var spare) ? spare : new QueuedEcho(_family);
            echo.Buffer = _buffers.Rent(payload.Length);
            payload.CopyTo(echo.Buffer);
            echo.Length = payload.Length;
            remote.Buffer.Span[..remote.Size].CopyTo(echo.Remote.Buffer.Span);
            echo.Remote.Size = remote.Size;
            echo.Stamp = stamp;
            echo.Due = due;
            if (hold && _held is null)
            {
                // Sent right after the next echo, or when it has waited long enough for one.
                echo.Due += holdTicks;
                _held = echo;
            }

            _queue.Enqueue(echo, (echo.Due, _sequence++));
            _count++;
            _bytes += payload.Length;
            UpdateNextDueLocked();
            return true;
        }
    }

    /// <summary>Sends every echo due at <paramref name="now"/> through <paramref name="sender"/>, counting each and how late it went.</summary>
    public void SendDue(long now, IEchoSender sender)
    {
        lock (_gate)
        {
            while (_queue.TryPeek(out var echo, out var priority) && priority.Due <= now)
            {
                _queue.Dequeue();
                if (echo.Buffer is null)
                {
                    Recycle(echo); // A held echo that already went out behind the one after it.
                    continue;
                }

                Send(echo, now, sender, onTime: true);
                if (ReferenceEquals(echo, _held))
                {
                    _held = null;
                }
                else if (_held is { } held)
                {
                    // The next echo has gone: the held one follows it, so the two arrive swapped. It stays in the heap,
                    // emptied, until its own due time comes round.
                    _held = null;
                    Send(held, now, sender, onTime: false);
                }

                if (echo.Buffer is null)
                {
                    Recycle(echo);
                }
            }

            UpdateNextDueLocked();
            if (_count == 0)
            {
                _empty?.TrySetResult();
            }
        }
    }

    /// <summary>Completes when no echo waits any more (the server is stopping and queues nothing new).</summary>
    public Task WhenEmpty()
    {
        lock (_gate)
        {
            if (_count == 0)
            {
                return Task.CompletedTask;
            }

            _empty ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _empty.Task;
        }
    }

    /// <summary>Drops whatever still waits, counted as dropped at shutdown, and refuses anything more; returns how many were dropped.</summary>
    public int Close()
    {
        lock (_gate)
        {
            _closed = true;
            var dropped = 0;
            while (_queue.TryDequeue(out var echo, out _))
            {
                if (echo.Buffer is not null)
                {
                    dropped++;
                    _report.Dropped(echo.Remote, DropReason.Shutdown);
                    Release(echo);
                }
            }

            _held = null;
            _count = 0;
            _bytes = 0;
            UpdateNextDueLocked();
            _empty?.TrySetResult();
            return dropped;
        }
    }

    /// <summary>Adds this queue's lateness record to <paramref name="into"/> (created on first use).</summary>
    public void AddLatenessTo(ref LatencyHistogram? into)
    {
        lock (_gate)
        {
            if (_lateness is null)
            {
                return;
            }

            into ??= new LatencyHistogram(MaxLatenessMicroseconds);
            into.Add(_lateness);
        }
    }

    private void Send(QueuedEcho echo, long now, IEchoSender sender, bool onTime)
    {
        var payload = echo.Buffer.AsSpan(0, echo.Length);
        if (echo.Stamp)
        {
            _stamper.StampTransmit(payload);
        }

        var error = sender.SendTo(payload, echo.Remote);
        if (error == SocketError.Success)
        {
            _report.Echoed(echo.Remote, echo.Length);
            if (onTime)
            {
                RecordLateness(now - echo.Due);
            }
        }
        else if (error == SocketError.OperationAborted)
        {
            _report.Dropped(echo.Remote, DropReason.Shutdown); // The socket closed under a stop that could not wait.
        }
        else
        {
            _report.SendFailed(echo.Remote, echo.Length, error);
        }

        Release(echo);
    }

    private void RecordLateness(long ticks)
    {
        var microseconds = Math.Max(0, ticks) * 1_000_000 / _frequency;
        (_lateness ??= new LatencyHistogram(MaxLatenessMicroseconds)).Record(microseconds);
        _report.Counters.Increment(ServerCounter.DelayedEchoes);
        if (_metrics.ServerLateness.Enabled)
        {
            _metrics.ServerLateness.Record(Math.Max(0, ticks) / (double)_frequency, ServerTags.Lateness);
        }
    }

    /// <summary>Gives the payload buffer back and takes the echo out of the counts; the echo object itself stays in the heap until its turn.</summary>
    private void Release(QueuedEcho echo)
    {
        _buffers.Return(echo.Buffer!);
        echo.Buffer = null;
        _count--;
        _bytes -= echo.Length;
    }

    private void Recycle(QueuedEcho echo)
    {
        if (_spare.Count < 1024)
        {
            _spare.Push(echo);
        }
    }

    private void UpdateNextDueLocked() =>
        Volatile.Write(ref _nextDue, _queue.TryPeek(out _, out var next) ? next.Due : long.MaxValue);

    /// <summary>One echo waiting: its payload in a pinned buffer, and its own copy of the destination.</summary>
    private sealed class QueuedEcho(AddressFamily family)
    {
        public byte[]? Buffer;
        public int Length;
        public long Due;
        public bool Stamp;

        public SocketAddress Remote { get; } = new(family);
    }
}
