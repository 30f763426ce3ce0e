using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using static UdpEcho.Transport.Linux.LinuxSockets;

namespace UdpEcho.Transport.Linux;

/// <summary>
/// Sends a batch's echoes with <c>sendmmsg</c>. Consecutive echoes of the same size to the same sender (what a flood
/// from one client looks like) go out as one message with <c>UDP_SEGMENT</c> (UDP generic segmentation offload): the
/// kernel routes and builds them once and splits them into the original datagrams on the way, so the client receives
/// exactly what it sent, one datagram each. A kernel or device that refuses segmentation turns it off for good, and
/// the echoes go out one message each, as without it.
/// </summary>
/// <remarks>
/// Segmentation is used only where the kernel says it has it (<see cref="IsSupported"/>: kernels before 4.18 would
/// ignore the control message and send a run as one big datagram), and only for echoes of up to
/// <see cref="MaxSegmentSize"/> bytes, which fit the path MTU of any IPv6 route: the kernel refuses a segment larger than
/// the route's MTU. A run the kernel refuses all the same goes out one echo per message; after
/// <see cref="MaxFailures"/> such refusals the sender stops trying.
/// </remarks>
internal sealed unsafe class EchoSender : IDisposable
{
    /// <summary>The most datagrams in one segmented message; Linux allows 64 (128 since 6.x).</summary>
    private const int MaxSegments = 64;

    /// <summary>The most payload bytes in one segmented message: well inside one IP packet's 65,535 bytes.</summary>
    private const int MaxSegmentedBytes = 65000;

    /// <summary>The largest echo sent segmented: IPv6's minimum MTU (1,280) less the IPv6 and UDP headers.</summary>
    private const int MaxSegmentSize = 1232;

    /// <summary>How many refused runs turn segmentation off for the rest of the loop's life.</summary>
    private const int MaxFailures = 8;

    // One control message per group: struct cmsghdr { size_t len; int level; int type; } + a 16-bit segment size,
    // padded to 8 bytes: CMSG_SPACE(2) = 24, CMSG_LEN(2) = 18.
    private const int ControlSpace = 24;
    private const int ControlLength = 18;
    private const int SolUdp = 17;
    private const int EIo = 5;
    private const int EInval = 22;
    private const int EMsgSize = 90;
    private const int EOpNotSupp = 95;
    private const int UdpSegment = 103;

    private readonly EchoLoopHandler _handler;
    private readonly SocketCalls _calls;
    private readonly int[] _first;
    private readonly int[] _count;
    private MMsgHdr* _messages;
    private byte* _control;

    private int _failures;

    public EchoSender(int capacity, EchoLoopHandler handler, SocketCalls calls, bool segment)
    {
        _handler = handler;
        _calls = calls;
        Segments = segment;
        _first = new int[capacity];
        _count = new int[capacity];
        _messages = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)capacity, (nuint)sizeof(MMsgHdr));
        _control = (byte*)NativeMemory.AllocZeroed((nuint)capacity, ControlSpace);
    }

    /// <summary>Gets a value indicating whether runs of echoes are still sent as segmented messages.</summary>
    public bool Segments { get; private set; }

    /// <summary>Asks the kernel whether socket <paramref name="fd"/> can send segmented messages (the option exists since Linux 4.18).</summary>
    public static bool IsSupported(int fd, SocketCalls calls)
    {
        int value;
        var length = (uint)sizeof(int);
        return calls.GetSocketOption(fd, SolUdp, UdpSegment, &value, &length) == 0;
    }

    /// <summary>Gets how many segmented messages (of two echoes or more) went out, for tests.</summary>
    public long SegmentedMessages { get; private set; }

    /// <summary>
    /// Sends echoes <c>0</c> to <paramref name="echoes"/> − 1: echo <c>k</c> is received message <paramref name="origin"/>[k]
    /// of <paramref name="batch"/>, whose buffer descriptor already holds its length, <paramref name="lengths"/>[k].
    /// Counts each echo sent, and each one the kernel refuses (which costs that echo alone).
    /// </summary>
    public void Send(int fd, MessageBatch batch, int[] origin, int[] lengths, int echoes, SocketAddress[] remotes)
    {
        var resume = SendRange(fd, batch, origin, lengths, 0, echoes, remotes, Segments);
        if (resume < echoes)
        {
            // A segmented message failed: the rest of this batch goes out one echo per message, so that each failure
            // costs one echo, as without segmentation.
            SendRange(fd, batch, origin, lengths, resume, echoes, remotes, segment: false);
        }
    }

    /// <summary>Sends echoes <paramref name="from"/> to <paramref name="to"/> − 1; returns <paramref name="to"/>, or the first echo of a segmented message that failed.</summary>
    private int SendRange(int fd, MessageBatch batch, int[] origin, int[] lengths, int from, int to, SocketAddress[] remotes, bool segment)
    {
        var groups = Pack(batch, origin, lengths, from, to, segment);
        var sent = 0;
        while (sent < groups)
        {
            var done = _calls.SendMessages(fd, _messages + sent, (uint)(groups - sent), 0);
            if (done > 0)
            {
                for (var g = sent; g < sent + done; g++)
                {
                    SegmentedMessages += _count[g] > 1 ? 1 : 0;
                    for (var k = _first[g]; k < _first[g] + _count[g]; k++)
                    {
                        _handler.OnEchoed(remotes[origin[k]], lengths[k]);
                    }
                }

                sent += done;
                continue;
            }

            var error = done < 0 ? -done : EAgain;
            if (error == EIntr)
            {
                continue;
            }

            if (error == EAgain && !_handler.Stopping)
            {
                // Only if something made the socket non-blocking: wait for room rather than drop the echo.
                var poll = new PollFd { Fd = fd, Events = PollOut };
                _ = _calls.Poll(&poll, 1, 100_000_000);
                continue;
            }

            Errors.ThrowIfFatal(error);
            if (_count[sent] > 1)
            {
                // Segmentation itself may be what is refused (EIO from a device without checksum offload or an IPsec
                // route, EINVAL or EMSGSIZE from a route with a smaller MTU, EOPNOTSUPP): the run goes out unsegmented,
                // and after a few such refusals segmentation is off for good. Any other error (a firewall's EPERM for
                // one client) says nothing about segmentation: the run goes out unsegmented, each echo on its own.
                if (error is EIo or EInval or EMsgSize or EOpNotSupp && ++_failures >= MaxFailures)
                {
                    Segments = false;
                }

                return _first[sent];
            }

            // sendmmsg reports an error only for the first message of the call: that echo is lost, the rest go on.
            var k0 = _first[sent];
            _handler.OnSendFailed(remotes[origin[k0]], lengths[k0], Errors.ToSocketError(error));
            sent++;
        }

        return to;
    }

    public void Dispose()
    {
        if (_messages is null)
        {
            return;
        }

        NativeMemory.Free(_messages);
        NativeMemory.Free(_control);
        _messages = null;
        _control = null;
    }

    /// <summary>Builds one message per run of echoes (one per echo when <paramref name="segment"/> is off) and returns how many.</summary>
    private int Pack(MessageBatch batch, int[] origin, int[] lengths, int from, int to, bool segment)
    {
        var groups = 0;
        for (var k = from; k < to; groups++)
        {
            var first = origin[k];
            var length = lengths[k];
            var count = 1;
            if (segment && length is > 0 and <= MaxSegmentSize)
            {
                var name = batch.Name(first);
                while (k + count < to
                    && count < MaxSegments
                    && origin[k + count] == first + count
                    && lengths[k + count] == length
                    && (count + 1) * length <= MaxSegmentedBytes
                    && batch.Name(first + count).SequenceEqual(name))
                {
                    count++;
                }
            }

            ref var message = ref _messages[groups];
            var source = batch.Headers[first].Header;
            message.Header.Name = source.Name;
            message.Header.NameLength = source.NameLength;
            message.Header.Iov = batch.Iov(first);
            message.Header.IovLength = (nuint)count;
            message.Header.Flags = 0;
            message.Length = 0;
            if (count > 1)
            {
                var control = _control + ((nint)groups * ControlSpace);
                *(nuint*)control = ControlLength;
                *(int*)(control + 8) = SolUdp;
                *(int*)(control + 12) = UdpSegment;
                *(ushort*)(control + 16) = (ushort)length;
                message.Header.Control = control;
                message.Header.ControlLength = ControlSpace;
            }
            else
            {
                message.Header.Control = null;
                message.Header.ControlLength = 0;
            }

            _first[groups] = k;
            _count[groups] = count;
            k += count;
        }

        return groups;
    }
}
