using System.Diagnostics;
using UdpEcho.Timing;
using UdpEcho.Transport;

namespace UdpEcho.Pipeline;

/// <summary>
/// Serves the loops' delay queues from outside the loops, where a loop cannot wake on time by itself: the portable
/// engine (its loops await the socket) and any clock but the system's (a test's fake clock moves only when told).
/// </summary>
internal abstract class DueScheduler : IDisposable
{
    private readonly DelayQueue[] _queues;
    private readonly IEchoSender[] _senders;

    protected DueScheduler(DelayQueue[] queues, IEchoSender[] senders)
    {
        _queues = queues;
        _senders = senders;
    }

    /// <summary>Creates the scheduler for <paramref name="time"/>: a precise thread for the system clock, the clock's own timer otherwise.</summary>
    public static DueScheduler Create(DelayQueue[] queues, IEchoSender[] senders, TimeProvider time) =>
        ReferenceEquals(time, TimeProvider.System) ? new ThreadScheduler(queues, senders) : new TimerScheduler(queues, senders, time);

    /// <summary>A queue has an echo due at <paramref name="due"/>, perhaps earlier than anything planned so far.</summary>
    public abstract void Kick(long due);

    public abstract void Dispose();

    /// <summary>Sends what is due in every queue; returns when the next echo is due.</summary>
    protected long ServeAll(long now)
    {
        var next = long.MaxValue;
        for (var i = 0; i < _queues.Length; i++)
        {
            var queue = _queues[i];
            if (queue.NextDue <= now)
            {
                queue.SendDue(now, _senders[i]);
            }

            next = Math.Min(next, queue.NextDue);
        }

        return next;
    }

    /// <summary>A dedicated thread that sleeps precisely until the next due echo (<see cref="PreciseWait"/>).</summary>
    private sealed class ThreadScheduler : DueScheduler
    {
        private readonly PreciseWait _wait = new();
        private readonly Thread _thread;
        private long _planned = long.MaxValue;
        private int _kicked;
        private volatile bool _stopped;

        public ThreadScheduler(DelayQueue[] queues, IEchoSender[] senders)
            : base(queues, senders)
        {
            _thread = new Thread(Run) { IsBackground = true, Name = "UdpEcho impairment scheduler" };
            _thread.Start();
        }

        public override void Kick(long due)
        {
            // Full fences on both sides (Interlocked): either the thread sees the kick before it sleeps, or the kick
            // sees the plan the thread is about to sleep on and wakes it if this echo is due sooner.
            Interlocked.Exchange(ref _kicked, 1);
            if (due < Interlocked.Read(ref _planned))
            {
                _wait.Set();
            }
        }

        public override void Dispose()
        {
            _stopped = true;
            _wait.Set();
            _thread.Join();
            _wait.Dispose();
        }

        private void Run()
        {
            PreciseWait.TightenCurrentThread();
            while (!_stopped)
            {
                Interlocked.Exchange(ref _kicked, 0);
                var next = ServeAll(Stopwatch.GetTimestamp());
                Interlocked.Exchange(ref _planned, next);
                if (Interlocked.CompareExchange(ref _kicked, 0, 0) == 0)
                {
                    _ = _wait.Wait(next);
                }
            }
        }
    }

    /// <summary>The clock's own timer: the only way to follow a fake clock, which moves when a test says so.</summary>
    private sealed class TimerScheduler : DueScheduler
    {
        private readonly object _gate = new();
        private readonly TimeProvider _time;
        private readonly ITimer _timer;
        private long _planned = long.MaxValue;
        private bool _disposed;

        public TimerScheduler(DelayQueue[] queues, IEchoSender[] senders, TimeProvider time)
            : base(queues, senders)
        {
            _time = time;
            _timer = time.CreateTimer(static state => ((TimerScheduler)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        public override void Kick(long due)
        {
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }

                var now = _time.GetTimestamp();
                if (due <= now)
                {
                    Plan(ServeAll(now), now);
                }
                else if (due < _planned)
                {
                    Plan(due, now);
                }
            }
        }

        public override void Dispose()
        {
            lock (_gate)
            {
                _disposed = true;
                _timer.Dispose();
            }
        }

        private void OnTimer()
        {
            lock (_gate)
            {
                if (!_disposed)
                {
                    var now = _time.GetTimestamp();
                    Plan(ServeAll(now), now);
                }
            }
        }

        private void Plan(long next, long now)
        {
            _planned = next;
            _timer.Change(
                next == long.MaxValue ? Timeout.InfiniteTimeSpan : TimeSpan.FromTicks((long)Math.Ceiling((next - now) * (double)TimeSpan.TicksPerSecond / _time.TimestampFrequency)),
                Timeout.InfiniteTimeSpan);
        }
    }
}
