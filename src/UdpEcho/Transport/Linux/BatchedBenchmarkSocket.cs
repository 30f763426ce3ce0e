using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using static UdpEcho.Transport.Linux.LinuxSockets;

namespace UdpEcho.Transport.Linux;

/// <summary>
/// The benchmark socket on 64-bit Linux: up to 64 datagrams per <c>sendmmsg</c> and per <c>recvmmsg</c>, both
/// non-blocking, and <c>poll</c> on the socket and an <c>eventfd</c> that <see cref="Wake"/> writes to, so a
/// cancellation ends a wait at once. As the reference C load generator does, with no allocation per batch.
/// </summary>
internal sealed unsafe class BatchedBenchmarkSocket : BenchmarkSocket
{
    private const int Batch = 64;
    private readonly MessageBatch _send;
    private readonly MessageBatch _receive;
    private readonly int _fd;
    private readonly WakeEvent _wake = new();
    private int _disposed;

    public BatchedBenchmarkSocket(Socket socket, IPEndPoint remote, int size)
        : base(socket, remote, size)
    {
        _fd = (int)socket.Handle;
        _send = new MessageBatch(Batch, Math.Max(1, size));
        _receive = new MessageBatch(Batch, size + 1);

        // A connected socket needs no address, and a send batch always sends whole buffers: set up once.
        for (var i = 0; i < Batch; i++)
        {
            _send.PrepareSend(i, size, nameLength: 0);
        }
    }

    public override int BatchSize => Batch;

    public override Span<byte> SendBuffer(int index) => _send.Data(index, Size);

    public override int Send(int count)
    {
        var sent = SendMessages(_fd, _send.Headers, (uint)count, MsgDontWait);
        if (sent >= 0)
        {
            return sent;
        }

        ThrowUnlessTransient(Errors.ToSocketError(Marshal.GetLastPInvokeError()), "send to");
        return 0;
    }

    public override int Receive()
    {
        _receive.PrepareReceive();
        var received = ReceiveMessages(_fd, _receive.Headers, Batch, MsgDontWait, null);
        if (received >= 0)
        {
            return received;
        }

        ThrowUnlessTransient(Errors.ToSocketError(Marshal.GetLastPInvokeError()), "receive from");
        return 0;
    }

    public override ReadOnlySpan<byte> Echo(int index) => _receive.Data(index, _receive.Length(index));

    public override void Wait(int milliseconds, bool orWritable)
    {
        var fds = stackalloc PollFd[2];
        fds[0] = new PollFd { Fd = _fd, Events = (short)(PollIn | (orWritable ? PollOut : 0)) };
        fds[1] = new PollFd { Fd = _wake.Fd, Events = PollIn };
        var ready = Poll(fds, 2, milliseconds);
        if (ready < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != EIntr)
            {
                throw Failed("wait for", errno);
            }
        }
        else if ((fds[1].ReturnedEvents & PollIn) != 0)
        {
            // Reset, so that the next wait waits again.
            _wake.Reset();
        }
    }

    public override void Wake() => _wake.Set();

    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _wake.Dispose();
        _send.Dispose();
        _receive.Dispose();
    }

    private UdpEchoException Failed(string doing, int errno)
    {
        var error = Errors.ToSocketError(errno);
        return new UdpEchoException($"Cannot {doing} {Remote}: errno {errno} ({error}).", error, Remote, new SocketException((int)error));
    }
}
