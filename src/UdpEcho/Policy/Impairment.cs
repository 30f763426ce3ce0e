using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace UdpEcho.Policy;

/// <summary>
/// Sends echoes the way a bad network would deliver them: some lost, some late, some twice, some swapped. Echoes
/// wait in a priority queue ordered by due time (then arrival), served by one timer from the server's
/// <see cref="TimeProvider"/>; the receive loop only enqueues and never sleeps. Each queued echo owns a pooled copy of
/// its payload, returned after the send. Sends from the receive loop and from the timer are serialized by one lock.
/// </summary>
internal sealed class Impairment
{
    private static readonly TimeSpan MinHold = TimeSpan.FromMilliseconds(10);

    private readonly UdpEchoImpairmentOptions _options;
    private readonly Random _random;
    private readonly TimeProvider _time;
    private readonly Socket _socket;
    private readonly Action<SocketAddress, int> _sent;
    private readonly Action<SocketAddress, int, SocketException> _sendFailed;
    private readonly PriorityQueue<Echo, (long Due, long Sequence)> _queue = new();
    private readonly ITimer _timer;
    private readonly long _delayTicks;
    private readonly long _jitterTicks;
    private readonly long _holdTicks;
    private readonly object _gate = new();
    private long _sequence;
    private int _pending; // Queued and not yet sent; a held echo sent early stays in the queue, already done.
    private Echo? _held;
    private TaskCompletionSource? _drained;
    private bool _closed;

    public Impairment(UdpEchoImpairmentOptions options, Random random, TimeProvider time, Socket socket, Action<SocketAddress, int> sent, Action<SocketAddress, int, SocketException> sendFailed)
    {
        _options = options;
        _random = random;
        _time = time;
        _socket = socket;
        _sent = sent;
        _sendFailed = sendFailed;
        _delayTicks = ToTicks(options.Delay);
        _jitterTicks = ToTicks(options.Jitter);
        _holdTicks = ToTicks(options.Delay + options.Jitter > MinHold ? options.Delay + options.Jitter : MinHold);
        _timer = time.CreateTimer(static state => ((Impairment)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Takes one datagram from the receive loop. Returns <see langword="false"/> when it is lost on purpose.</summary>
    /// <remarks>Called from the receive loop only, so the random choices come in datagram order and a seed repeats a run.</remarks>
    public bool Submit(ReadOnlySpan<byte> payload, SocketAddress remote, long now)
    {
        if (_options.LossProbability > 0 && _random.NextDouble() < _options.LossProbability)
        {
            return false;
        }

        var copies = _options.DuplicateProbability > 0 && _random.NextDouble() < _options.DuplicateProbability ? 2 : 1;
        var hold = _options.ReorderProbability > 0 && _random.NextDouble() < _options.ReorderProbability;
        lock (_gate)
        {
            for (var i = 0; i < copies; i++)
            {
                var due = now + _delayTicks;
                if (_jitterTicks > 0)
                {
                    due += (long)(((_random.NextDouble() * 2) - 1) * _jitterTicks);
                    due = Math.Max(due, now);
                }

                var echo = new Echo(payload, remote);
                if (hold && i == 0 && _held is null)
                {
                    // Sent right after the next echo, or when it has waited long enough for one.
                    due += _holdTicks;
                    _held = echo;
                }

                _queue.Enqueue(echo, (due, _sequence++));
                _pending++;
            }

            PumpLocked(now);
        }

        return true;
    }

    /// <summary>Completes when every queued echo has been sent. New datagrams are no longer submitted by then (the server is stopping).</summary>
    public Task DrainAsync()
    {
        lock (_gate)
        {
            if (_pending == 0)
            {
                return Task.CompletedTask;
            }

            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _drained.Task;
        }
    }

    /// <summary>Stops the timer and drops whatever is still queued, reporting each dropped echo's destination.</summary>
    public int Close(Action<SocketAddress> dropped)
    {
        lock (_gate)
        {
            _closed = true;
            _timer.Dispose();
            var count = 0;
            while (_queue.TryDequeue(out var echo, out _))
            {
                if (!echo.Done)
                {
                    count++;
                    dropped(echo.Remote);
                    echo.Release();
                }
            }

            _held = null;
            _pending = 0;
            _drained?.TrySetResult();
            return count;
        }
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            if (!_closed)
            {
                PumpLocked(_time.GetTimestamp());
            }
        }
    }

    private void PumpLocked(long now)
    {
        while (_queue.TryPeek(out var echo, out var priority) && priority.Due <= now)
        {
            _queue.Dequeue();
            if (echo.Done)
            {
                continue; // A held echo that was already sent behind the one after it.
            }

            Send(echo);
            if (ReferenceEquals(echo, _held))
            {
                _held = null;
            }
            else if (_held is { } held)
            {
                // The next echo has gone: the held one follows it, so the two arrive swapped.
                _held = null;
                Send(held);
            }
        }

        if (_queue.TryPeek(out _, out var next))
        {
            var wait = TimeSpan.FromTicks((long)Math.Ceiling((next.Due - now) * (double)TimeSpan.TicksPerSecond / _time.TimestampFrequency));
            _timer.Change(wait, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        if (_pending == 0)
        {
            _drained?.TrySetResult();
        }
    }

    private void Send(Echo echo)
    {
        try
        {
            _socket.SendTo(echo.Payload, SocketFlags.None, echo.Remote);
            _sent(echo.Remote, echo.Length);
        }
        catch (SocketException e)
        {
            _sendFailed(echo.Remote, echo.Length, e);
        }
        catch (ObjectDisposedException)
        {
            // The server closed the socket (a stop that could not wait); Close counts what was left.
        }
        finally
        {
            echo.Release();
            _pending--;
        }
    }

    private long ToTicks(TimeSpan span) => (long)Math.Ceiling(span.TotalSeconds * _time.TimestampFrequency);

    /// <summary>One echo waiting: a pooled copy of the payload and its own copy of the destination.</summary>
    private sealed class Echo
    {
        private byte[]? _buffer;

        public Echo(ReadOnlySpan<byte> payload, SocketAddress remote)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(payload.Length, 1));
            payload.CopyTo(_buffer);
            Length = payload.Length;
            Remote = new SocketAddress(remote.Family, remote.Size);
            remote.Buffer.Span[..remote.Size].CopyTo(Remote.Buffer.Span);
        }

        public int Length { get; }

        public SocketAddress Remote { get; }

        public ReadOnlySpan<byte> Payload => _buffer.AsSpan(0, Length);

        public bool Done => _buffer is null;

        public void Release()
        {
            if (_buffer is { } buffer)
            {
                _buffer = null;
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
