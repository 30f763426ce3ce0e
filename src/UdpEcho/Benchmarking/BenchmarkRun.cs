using System.Diagnostics;
using System.Net;
using UdpEcho.Probing;
using UdpEcho.Transport;

namespace UdpEcho.Benchmarking;

/// <summary>
/// One benchmark's loop, on a thread of its own: fill the window, wait for echoes, check and time each one, free the
/// places of datagrams that time out; then wait out the stragglers. Everything here belongs to that thread except
/// <see cref="Cancel"/>.
/// </summary>
/// <remarks>
/// Like the reference C load generator, one timestamp serves a whole batch: the send time of every datagram of a
/// <c>sendmmsg</c>, taken just before it, and the arrival time of every echo of a <c>recvmmsg</c>, taken just after.
/// </remarks>
internal sealed class BenchmarkRun
{
    private static readonly long ProgressInterval = Stopwatch.Frequency / 10;

    private readonly BenchmarkSocket _socket;
    private readonly IPEndPoint _remote;
    private readonly IProgress<UdpEchoBenchmarkProgress>? _progress;
    private readonly InFlightDatagrams _datagrams;
    private readonly RoundTripAccumulator _roundTrips;
    private readonly int _window;
    private readonly int[] _batch;
    private readonly long _warmUpTicks;
    private readonly long _durationTicks;
    private volatile bool _cancelled;

    private long _measureFrom;
    private long _sendingEnded;
    private long _lastEcho;
    private long _sent;
    private long _received;
    private long _lost;
    private long _corrupt;
    private long _truncated;
    private long _unmatched;

    public BenchmarkRun(BenchmarkSocket socket, IPEndPoint remote, UdpEchoBenchmarkOptions options, IProgress<UdpEchoBenchmarkProgress>? progress)
    {
        _socket = socket;
        _remote = remote;
        _progress = progress;
        _window = options.EffectiveWindow;
        _warmUpTicks = ToTicks(options.WarmUp);
        _durationTicks = ToTicks(options.Duration);
        _datagrams = InFlightDatagrams.Create(options.Size, _window, ToTicks(options.Timeout));
        _roundTrips = new RoundTripAccumulator(options.Timeout, Stopwatch.Frequency);
        _batch = new int[socket.BatchSize];
        for (var i = 0; i < socket.BatchSize; i++)
        {
            _datagrams.Prepare(socket.SendBuffer(i));
        }
    }

    /// <summary>Gets a value indicating whether the run ended because it was cancelled.</summary>
    public bool Cancelled => _cancelled;

    /// <summary>Stops the run at its next step, leaving the datagrams in flight out. Thread-safe.</summary>
    public void Cancel()
    {
        _cancelled = true;
        _socket.Wake();
    }

    public UdpEchoBenchmarkResult Run()
    {
        var measureFrom = Stopwatch.GetTimestamp() + _warmUpTicks;
        var sendUntil = measureFrom + _durationTicks;
        var nextProgress = measureFrom + ProgressInterval;
        var sending = true;
        var sendBlocked = false;
        _measureFrom = measureFrom;
        while (true)
        {
            var now = Stopwatch.GetTimestamp();
            if (_cancelled)
            {
                _sendingEnded = sending ? now : _sendingEnded;
                break;
            }

            _lost += _datagrams.Expire(now);
            if (sending && now >= sendUntil)
            {
                sending = false;
                _sendingEnded = now;
            }

            if (!sending && _datagrams.InFlight == 0)
            {
                break;
            }

            if (_progress is not null && now >= nextProgress)
            {
                nextProgress = now + ProgressInterval;
                Report(now);
            }

            if (sending)
            {
                sendBlocked = !SendBatch(measureFrom);
            }

            // As cflood: wait, then take every echo that is there. With room left in the window (a window wider than a
            // batch) the wait is only a look.
            var room = sending && !sendBlocked && _datagrams.InFlight < _window;
            _socket.Wait(room ? 0 : WaitMilliseconds(now, sending ? sendUntil : long.MaxValue, nextProgress), sendBlocked);
            var received = _socket.Receive();
            if (received > 0)
            {
                TakeEchoes(received, Stopwatch.GetTimestamp(), measureFrom);
            }
        }

        return Result();
    }

    /// <summary>Sends as much of the window as one batch holds.</summary>
    /// <returns>False when the socket took fewer than offered: its buffer is full.</returns>
    private bool SendBatch(long measureFrom)
    {
        var count = Math.Min(_window - _datagrams.InFlight, _batch.Length);
        if (count <= 0)
        {
            return true;
        }

        var sentAt = Stopwatch.GetTimestamp();
        var measured = sentAt >= measureFrom;
        for (var i = 0; i < count; i++)
        {
            _batch[i] = _datagrams.Add(_socket.SendBuffer(i), sentAt, measured);
        }

        var sent = _socket.Send(count);
        for (var i = count - 1; i >= sent; i--)
        {
            _datagrams.Unsend(_batch[i]);
        }

        if (measured)
        {
            _sent += sent;
        }

        return sent == count;
    }

    private void TakeEchoes(int count, long receivedAt, long measureFrom)
    {
        for (var i = 0; i < count; i++)
        {
            switch (_datagrams.Match(_socket.Echo(i), receivedAt, out var sentAt, out var measured))
            {
                case EchoMatch.Answered when measured:
                    _received++;
                    _roundTrips.Add(receivedAt - sentAt);
                    _lastEcho = receivedAt;
                    break;
                case EchoMatch.TimedOut when measured:
                    _lost++;
                    _unmatched++;
                    break;
                case EchoMatch.Corrupt when receivedAt >= measureFrom:
                    _corrupt++;
                    break;
                case EchoMatch.Unmatched when receivedAt >= measureFrom:
                    _unmatched++;
                    break;
                case EchoMatch.Truncated:
                    // Counted when its datagram counts, or, whose it was unknown, when it arrived after the warm-up.
                    if (sentAt != 0 ? measured : receivedAt >= measureFrom)
                    {
                        _truncated++;
                    }

                    _lost += sentAt != 0 && measured ? 1 : 0;
                    break;
            }
        }
    }

    /// <summary>How long the loop may wait for an echo before it has something else to do: a timeout, the end of sending, a report.</summary>
    private int WaitMilliseconds(long now, long sendUntil, long nextProgress)
    {
        var until = Math.Min(_datagrams.NextExpiry, sendUntil);
        if (_progress is not null)
        {
            until = Math.Min(until, nextProgress);
        }

        // poll() counts whole milliseconds: round up, or the loop would spin through the last one.
        var ticks = Math.Clamp(until - now, 0, Stopwatch.Frequency);
        return (int)((ticks * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency);
    }

    private void Report(long now) => _progress!.Report(new UdpEchoBenchmarkProgress
    {
        Elapsed = Since(_measureFrom, now),
        Sent = _sent,
        Received = _received,
        Lost = _lost,
        Corrupt = _corrupt,
    });

    private UdpEchoBenchmarkResult Result()
    {
        // Datagrams still in flight (only when cancelled) have no outcome yet: they are neither received nor lost.
        var elapsed = Since(_measureFrom, Math.Max(_sendingEnded, _lastEcho));
        return new UdpEchoBenchmarkResult
        {
            RemoteEndPoint = _remote,
            Sent = _sent - _datagrams.CountMeasuredInFlight(),
            Received = _received,
            Corrupt = _corrupt,
            Truncated = _truncated,
            Unmatched = _unmatched,
            Elapsed = elapsed,
            EchoesPerSecond = elapsed > TimeSpan.Zero ? _received / elapsed.TotalSeconds : 0,
            RoundTrip = _roundTrips.Statistics(),
        };
    }

    private static TimeSpan Since(long from, long to) => to <= from ? TimeSpan.Zero : Stopwatch.GetElapsedTime(from, to);

    private static long ToTicks(TimeSpan time) => (long)(time.TotalSeconds * Stopwatch.Frequency);
}
