using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using static UdpEcho.Transport.Linux.LinuxSockets;

namespace UdpEcho.Transport.Linux;

/// <summary>
/// The Linux engine: each loop is a dedicated thread that takes up to <see cref="BatchSize"/> datagrams per
/// <c>recvmmsg</c> and sends their echoes back with one <c>sendmmsg</c> (<see cref="EchoSender"/>: runs of equal-sized
/// echoes to one sender as one segmented message). While datagrams keep coming it polls the
/// socket without blocking, spinning for up to <see cref="SpinTime"/> after the last one, so that a client with one
/// datagram in flight never waits for a thread to wake; then it parks in <c>poll</c> and costs nothing while idle.
/// </summary>
/// <remarks>
/// The socket stays in blocking mode (nothing calls an async method on it), so a full send buffer makes
/// <c>sendmmsg</c> wait rather than drop an echo. Stop writes to an eventfd that every parked loop also polls; the
/// socket is closed only after the loops have let go of it (each holds a reference on its handle, so its descriptor
/// number cannot be reused under a running loop).
/// </remarks>
internal sealed unsafe class BatchedEchoEngine : EchoEngine
{
    public const int BatchSize = 64;

    private static readonly TimeSpan SpinTime = TimeSpan.FromMicroseconds(50);

    private readonly EchoLoopContext _context;
    private readonly WakeEvent _wake = new();
    private long _segmentedMessages;

    public BatchedEchoEngine(EchoLoopContext context, int loops)
    {
        _context = context;
        var ended = new Task[loops];
        for (var i = 0; i < loops; i++)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            ended[i] = done.Task;
            var thread = new Thread(() => Run(done))
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

    private void Run(TaskCompletionSource done)
    {
        var socket = _context.Socket.SafeHandle;
        var added = false;
        try
        {
            socket.DangerousAddRef(ref added);
            RunLoop((int)socket.DangerousGetHandle());
        }
#pragma warning disable CA1031 // The loop's last line of defence: log it; IsRunning turns false, and Stop/Dispose stay quiet.
        catch (Exception e)
#pragma warning restore CA1031
        {
            if (!_context.Stopping)
            {
                _context.Report.LoopFaulted(e, _context.LocalEndPoint);
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

    private void RunLoop(int fd)
    {
        var context = _context;
        var report = context.Report;
        var max = context.MaxDatagramSize;

        using var batch = new MessageBatch(BatchSize, max + 1);
        var remotes = new SocketAddress[BatchSize];
        for (var i = 0; i < remotes.Length; i++)
        {
            remotes[i] = new SocketAddress(context.Socket.AddressFamily);
        }

        // Echo k is received message origin[k], lengths[k] bytes long.
        var origin = new int[BatchSize];
        var lengths = new int[BatchSize];
        using var sender = new EchoSender(BatchSize, context, segment: EchoSender.IsSupported(fd));
        try
        {
            Loop(fd, batch, remotes, origin, lengths, sender);
        }
        finally
        {
            Interlocked.Add(ref _segmentedMessages, sender.SegmentedMessages);
        }
    }

    private void Loop(int fd, MessageBatch batch, SocketAddress[] remotes, int[] origin, int[] lengths, EchoSender sender)
    {
        var context = _context;
        var report = context.Report;
        var max = context.MaxDatagramSize;
        var spinTicks = (long)(SpinTime.TotalSeconds * Stopwatch.Frequency);
        var polls = stackalloc PollFd[2];
        polls[0] = new PollFd { Fd = fd, Events = PollIn };
        polls[1] = new PollFd { Fd = _wake.Fd, Events = PollIn };
        var lastWork = Stopwatch.GetTimestamp();

        while (!context.Stopping)
        {
            batch.PrepareReceive();
            var received = ReceiveMessages(fd, batch.Headers, BatchSize, MsgDontWait, null);
            if (received <= 0)
            {
                var error = received < 0 ? Marshal.GetLastPInvokeError() : EAgain;
                if (error == EAgain)
                {
                    if (Stopwatch.GetTimestamp() - lastWork < spinTicks)
                    {
                        Thread.SpinWait(20);
                        continue;
                    }

                    // Idle: park until a datagram or the stop arrives.
                    polls[0].ReturnedEvents = polls[1].ReturnedEvents = 0;
                    if (Poll(polls, 2, -1) < 0 && Marshal.GetLastPInvokeError() != EIntr)
                    {
                        throw new SocketException((int)Errors.ToSocketError(Marshal.GetLastPInvokeError()));
                    }

                    lastWork = Stopwatch.GetTimestamp();
                    continue;
                }

                if (error != EIntr)
                {
                    Errors.ThrowIfFatal(error);
                    report.ReceiveFailed(Errors.ToSocketError(error));
                }

                continue;
            }

            var echoes = 0;
            for (var i = 0; i < received; i++)
            {
                var remote = remotes[i];
                var name = batch.Name(i);
                name.CopyTo(remote.Buffer.Span);
                remote.Size = name.Length;

                var length = batch.Length(i);
                var oversized = length > max || batch.IsTruncated(i);
                if (context.Admit(remote, batch.Data(i, Math.Min(length, max)), oversized))
                {
                    batch.SetLength(i, length);
                    origin[echoes] = i;
                    lengths[echoes++] = length;
                }
            }

            sender.Send(fd, batch, origin, lengths, echoes, remotes);

            if (context.HasSubscribers)
            {
                for (var j = 0; j < echoes; j++)
                {
                    var i = origin[j];
                    context.RaiseMessageReceived(batch.Data(i, lengths[j]), remotes[i]);
                }
            }

            lastWork = Stopwatch.GetTimestamp();
        }
    }
}
