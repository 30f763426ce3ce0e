using System.Collections.Concurrent;
using UdpEcho.Transport.Linux;
using static UdpEcho.Transport.Linux.LinuxSockets;

namespace UdpEcho.Tests.Transport;

/// <summary>The batched engine's system calls, failing on demand the ways a kernel (or a sandbox) makes them fail.</summary>
internal sealed unsafe class FaultySocketCalls : SocketCalls
{
    public const int EIO = 5;
    public const int EMsgSize = 90;
    public const int ENoBufs = 105;
    public const int EConnRefused = 111;

    private int _segmentedAttempts;

    /// <summary>Gets errno values the next <c>sendmmsg</c> calls return, one call each.</summary>
    public ConcurrentQueue<int> SendFaults { get; } = new();

    /// <summary>Gets errno values the next <c>recvmmsg</c> calls return, one call each.</summary>
    public ConcurrentQueue<int> ReceiveFaults { get; } = new();

    /// <summary>Gets or sets the errno for every <c>sendmmsg</c> whose first message is segmented (<c>UDP_SEGMENT</c>): a device or route that refuses it.</summary>
    public int? RefuseSegments { get; set; }

    /// <summary>Gets or sets the errno every <c>recvmmsg</c> and <c>sendmmsg</c> returns: a sandbox that forbids the calls.</summary>
    public int? Forbid { get; set; }

    /// <summary>Gets how many segmented messages the engine tried to send.</summary>
    public int SegmentedAttempts => Volatile.Read(ref _segmentedAttempts);

    public override int ReceiveMessages(int fd, MMsgHdr* messages, uint count, int flags)
    {
        if (Forbid is int forbidden)
        {
            return -forbidden;
        }

        return ReceiveFaults.TryDequeue(out var errno) ? -errno : base.ReceiveMessages(fd, messages, count, flags);
    }

    public override int SendMessages(int fd, MMsgHdr* messages, uint count, int flags)
    {
        if (Forbid is int forbidden)
        {
            return -forbidden;
        }

        if (messages[0].Header.ControlLength > 0)
        {
            Interlocked.Increment(ref _segmentedAttempts);
            if (RefuseSegments is int refused)
            {
                return -refused;
            }
        }

        return SendFaults.TryDequeue(out var errno) ? -errno : base.SendMessages(fd, messages, count, flags);
    }
}
