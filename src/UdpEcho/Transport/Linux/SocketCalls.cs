using System.Runtime.InteropServices;
using static UdpEcho.Transport.Linux.LinuxSockets;

namespace UdpEcho.Transport.Linux;

/// <summary>
/// The system calls the batched engine makes, behind one seam, so that tests can make them fail the ways a kernel
/// does (EAGAIN, ENOBUFS, EMSGSIZE, ECONNREFUSED, a refused <c>UDP_SEGMENT</c>, a sandbox's ENOSYS). Each returns what
/// the call returned, or the negated <c>errno</c> when it failed.
/// </summary>
internal unsafe class SocketCalls
{
    /// <summary>The real calls.</summary>
    public static readonly SocketCalls Default = new();

    public virtual int ReceiveMessages(int fd, MMsgHdr* messages, uint count, int flags) =>
        Result(LinuxSockets.ReceiveMessages(fd, messages, count, flags, null));

    public virtual int SendMessages(int fd, MMsgHdr* messages, uint count, int flags) =>
        Result(LinuxSockets.SendMessages(fd, messages, count, flags));

    public virtual int SendTo(int fd, byte* buffer, int length, byte* address, int addressLength) =>
        Result((int)LinuxSockets.SendTo(fd, buffer, (nuint)length, 0, address, (uint)addressLength));

    /// <summary>Waits for <paramref name="fds"/> up to <paramref name="timeoutNanoseconds"/> (negative: for ever), with nanosecond precision (<c>ppoll</c>).</summary>
    public virtual int Poll(PollFd* fds, int count, long timeoutNanoseconds)
    {
        if (timeoutNanoseconds < 0)
        {
            return Result(PollPrecise(fds, (nuint)count, null, null));
        }

        var timeout = new TimeSpec { Seconds = timeoutNanoseconds / 1_000_000_000, Nanoseconds = timeoutNanoseconds % 1_000_000_000 };
        return Result(PollPrecise(fds, (nuint)count, &timeout, null));
    }

    public virtual int GetSocketOption(int fd, int level, int name, void* value, uint* length) =>
        Result(LinuxSockets.GetSocketOption(fd, level, name, value, length));

    private static int Result(int result) => result >= 0 ? result : -Marshal.GetLastPInvokeError();
}
