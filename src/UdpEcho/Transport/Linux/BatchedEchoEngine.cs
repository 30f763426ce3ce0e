using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using static UdpEcho.Transport.Linux.LinuxSockets;

namespace UdpEcho.Transport.Linux;

/// <summary>
/// The Linux engine: each loop is a dedicated thread with a socket of its own (a <c>SO_REUSEPORT</c> group when there
/// are several), that takes up to <see cref="BatchSize"/> datagrams per <c>recvmmsg</c> and sends their echoes back
/// with one <c>sendmmsg</c> (<see cref="EchoSender"/>: runs of equal-sized echoes to one sender as one segmented
/// message). While datagrams keep coming it polls the socket without blocking, spinning for up to
/// <see cref="SpinTime"/> after the last one, so that a client with one datagram in flight never waits for a thread
/// to wake; then it parks in <c>ppoll</c> and costs nothing while idle. The park ends on time, to the microsecond,
/// when the handler has an echo due later (<see cref="EchoLoopHandler.NextDue"/>).
/// </summary>
/// <remarks>
/// The sockets stay in blocking mode (nothing calls an async method on them), so a full send buffer makes
/// <c>sendmmsg</c> wait rather than drop an echo. Stop writes to an eventfd that every parked loop also polls; the
/// sockets are closed only after the loops have let go of them (each holds a reference on its handle, so its
/// descriptor number cannot be reused under a running loop).
/// </remarks>
internal sealed unsafe class BatchedEchoEngine : EchoEngine
{
    public const int BatchSize = 64;

    private const int PrSetTimerSlack = 29;

    private static readonly TimeSpan SpinTime = TimeSpan.FromMicroseconds(50);

    private readonly Socket[] _sockets;
    private readonly EchoLoopHandler[] _handlers;
    private readonly int _maxDatagramSize;
    private readonly SocketCalls _calls;
    private readonly WakeEvent _wake = new();
    private long _segmentedMessages;

    public BatchedEchoEngine(Socket[] sockets, EchoLoopHandler[] handlers, int maxDatagramSize, SocketCalls calls)
    {
        _sockets = sockets;
        _handlers = handlers;
        _maxDatagramSize = maxDatagramSize;
        _calls = calls;
        var loops = handlers.Length;
        var ended = new Task[loops];
        for (var i = 0; i < loops; i++)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            ended[i] = done.Task;
            var loop = i;
            var thread = new Thread(() => Run(loop, done))
            {
                IsBackground = true,
                Name = loops == 1 ? "UdpEcho receive loop" : $"UdpEcho receive loop {i + 1}",
            };
            thread.Start();
        }

        Completion = Task.WhenAll(ended);
    }

    public override Task Completion { get; }

    /// <summary>Gets how many segmented messages the loops sent (see <see cref="EchoSender"/>), once they have ended; for tests.</summary>
    public long SegmentedMessages => Interlocked.Read(ref _segmentedMessages);

    /// <summary>Wakes every loop, parked now or later (the wake event is never reset).</summary>
    public override void RequestStop() => _wake.Set();

    public override void Dispose() => _wake.Dispose();

    private void Run(int loop, TaskCompletionSource done)
    {
        var handler = _handlers[loop];
        var socket = _sockets[loop % _sockets.Length].SafeHandle;
        var added = false;
        try
        {
            socket.DangerousAddRef(ref added);

            // A due echo is sent when ppoll's timeout ends; the default 50 µs of timer slack would be added to each.
            _ = ProcessControl(PrSetTimerSlack, 1, 0, 0, 0);
            RunLoop((int)socket.DangerousGetHandle(), handler);
        }
#pragma warning disable CA1031 // The loop's last line of defence: log it; IsRunning turns false, and Stop/Dispose stay quiet.
        catch (Exception e)
#pragma warning restore CA1031
        {
            if (!handler.Stopping)
            {
                handler.OnFaulted(e);
            }
        }
        finally
        {
            if (added)
            {
                socket.DangerousRelease();
            }

            done.TrySetResult();
        }
    }

    private void RunLoop(int fd, EchoLoopHandler handler)
    {
        var family = _sockets[0].AddressFamily;
        using var batch = new MessageBatch(BatchSize, _maxDatagramSize + 1, ControlMessages.BufferSize);
        var remotes = new SocketAddress[BatchSize];
        for (var i = 0; i < remotes.Length; i++)
        {
            remotes[i] = new SocketAddress(family);
        }

        using var sender = new EchoSender(BatchSize, handler, _calls, segment: EchoSender.IsSupported(fd, _calls));
        try
        {
            Loop(fd, handler, batch, remotes, sender, new DueSender(fd, _calls));
        }
        finally
        {
            Interlocked.Add(ref _segmentedMessages, sender.SegmentedMessages);
        }
    }

    private void Loop(int fd, EchoLoopHandler handler, MessageBatch batch, SocketAddress[] remotes, EchoSender sender, DueSender dueSender)
    {
        var max = _maxDatagramSize;
        var spinTicks = (long)(SpinTime.TotalSeconds * Stopwatch.Frequency);
        var polls = stackalloc PollFd[2];
        polls[0] = new PollFd { Fd = fd, Events = PollIn };
        polls[1] = new PollFd { Fd = _wake.Fd, Events = PollIn };

        // Echo k is received message origin[k], lengths[k] bytes long; stamped[k] when its transmit time must be written.
        var origin = new int[BatchSize];
        var lengths = new int[BatchSize];
        var stamped = new bool[BatchSize];
        var lastWork = Stopwatch.GetTimestamp();
        long drops = -1;

        while (!handler.Stopping)
        {
            var due = handler.NextDue;
            if (due != long.MaxValue)
            {
                var now = Stopwatch.GetTimestamp();
                if (due <= now)
                {
                    handler.SendDue(now, dueSender);
                    due = handler.NextDue;
                }
            }

            batch.PrepareReceive();
            var received = _calls.ReceiveMessages(fd, batch.Headers, BatchSize, MsgDontWait);
            if (received <= 0)
            {
                var error = received < 0 ? -received : EAgain;
                if (error == EAgain)
                {
                    var now = Stopwatch.GetTimestamp();
                    if (now - lastWork < spinTicks && (due == long.MaxValue || due - now > spinTicks))
                    {
                        // Yield, not pause: the echo just sent woke its client, and on a small machine the scheduler
                        // may have put that client on this very core. A pause loop would hold the core for the whole
                        // spin while the client waits to read its echo (in a C model of this loop on 2 cores, a lone
                        // datagram took 0.13 ms instead of 0.07 ms, and ping-pong was slower too; docs/performance.md).
                        // With nothing else runnable here, sched_yield returns at once and the spin goes on.
                        Thread.Yield();
                        continue;
                    }

                    // Idle: park until a datagram, the stop, or the next due echo.
                    polls[0].ReturnedEvents = polls[1].ReturnedEvents = 0;
                    var timeout = due == long.MaxValue ? -1 : Math.Max(0, (long)((due - now) * (1_000_000_000.0 / Stopwatch.Frequency)));
                    var ready = _calls.Poll(polls, 2, timeout);
                    if (ready < 0 && -ready != EIntr)
                    {
                        throw new SocketException((int)Errors.ToSocketError(-ready));
                    }

                    if ((polls[0].ReturnedEvents & PollIn) != 0)
                    {
                        lastWork = Stopwatch.GetTimestamp();
                    }

                    continue;
                }

                if (error != EIntr)
                {
                    Errors.ThrowIfFatal(error);
                    handler.OnReceiveFailed(Errors.ToSocketError(error));
                }

                continue;
            }

            var echoes = 0;
            var anyStamped = false;
            var reportedDrops = drops;
            for (var i = 0; i < received; i++)
            {
                var remote = remotes[i];
                var name = batch.Name(i);
                name.CopyTo(remote.Buffer.Span);
                remote.Size = name.Length;

                var control = batch.Control(i);
                var metadata = control.IsEmpty ? ReceiveMetadata.None : ControlMessages.Read(control, ref drops);
                var length = batch.Length(i);
                var oversized = length > max || batch.IsTruncated(i);
                var action = handler.OnDatagram(remote, batch.Data(i, Math.Min(length, max)), oversized, metadata);
                if (action != EchoAction.None)
                {
                    batch.SetLength(i, length);
                    stamped[echoes] = action == EchoAction.EchoStamped;
                    anyStamped |= stamped[echoes];
                    origin[echoes] = i;
                    lengths[echoes++] = length;
                }
            }

            if (drops != reportedDrops)
            {
                handler.OnKernelDrops(drops);
            }

            if (anyStamped)
            {
                for (var k = 0; k < echoes; k++)
                {
                    if (stamped[k])
                    {
                        handler.StampTransmit(batch.Data(origin[k], lengths[k]));
                    }
                }
            }

            sender.Send(fd, batch, origin, lengths, echoes, remotes);

            if (handler.HasSubscribers)
            {
                for (var k = 0; k < echoes; k++)
                {
                    handler.RaiseEchoed(batch.Data(origin[k], lengths[k]), remotes[origin[k]]);
                }
            }

            lastWork = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>Sends the handler's due (delayed) echoes from the loop's own socket, one <c>sendto</c> each.</summary>
    private sealed class DueSender(int fd, SocketCalls calls) : IEchoSender
    {
        public SocketError SendTo(ReadOnlySpan<byte> payload, SocketAddress remote)
        {
            fixed (byte* data = payload)
            fixed (byte* name = remote.Buffer.Span)
            {
                while (true)
                {
                    var sent = calls.SendTo(fd, data, payload.Length, name, remote.Size);
                    if (sent >= 0)
                    {
                        return SocketError.Success;
                    }

                    if (-sent != EIntr)
                    {
                        Errors.ThrowIfFatal(-sent);
                        return Errors.ToSocketError(-sent);
                    }
                }
            }
        }
    }
}
