using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace UdpEcho.Transport.Linux;

/// <summary>
/// The few Linux system calls the batched engines use, through <c>LibraryImport</c> (no marshalling, no allocation).
/// The struct layouts are those of 64-bit glibc and musl, so <see cref="IsSupported"/> asks for a 64-bit process.
/// </summary>
internal static unsafe partial class LinuxSockets
{
    /// <summary>The size of <c>struct sockaddr_storage</c>: room for any address the kernel reports.</summary>
    public const int SockAddrStorageSize = 128;

    public const int MsgDontWait = 0x40;
    public const int MsgTrunc = 0x20;
    public const short PollIn = 0x1;
    public const short PollOut = 0x4;
    public const int EIntr = 4;
    public const int EAgain = 11;
    public const int EventFdNonBlock = 0x800;
    public const int EventFdCloseOnExec = 0x80000;

    // "libc" is mapped by the runtime to the C library's real file name (libc.so.6 on glibc, libc.so on musl).
    private const string LibC = "libc";

    private static readonly Lazy<bool> Probe = new(ProbeCalls);

    /// <summary>Gets a value indicating whether the batched calls exist here and behave as declared (probed once).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && Environment.Is64BitProcess && Probe.Value;

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public byte* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }

    [LibraryImport(LibC, EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int ReceiveMessages(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport(LibC, EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMessages(int fd, MMsgHdr* messages, uint count, int flags);

    [LibraryImport(LibC, EntryPoint = "getsockopt", SetLastError = true)]
    public static partial int GetSocketOption(int fd, int level, int name, void* value, uint* length);

    [LibraryImport(LibC, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport(LibC, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initialValue, int flags);

    [LibraryImport(LibC, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, void* buffer, nuint count);

    [LibraryImport(LibC, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport(LibC, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>Calls each import once (on descriptors that cannot block) so that a missing C library or symbol shows up here, not in a loop.</summary>
    private static bool ProbeCalls()
    {
        try
        {
            var fd = EventFd(0, EventFdNonBlock | EventFdCloseOnExec);
            if (fd < 0)
            {
                return false;
            }

            try
            {
                var message = default(MMsgHdr);
                var poll = new PollFd { Fd = fd, Events = PollIn };
                _ = ReceiveMessages(fd, &message, 1, MsgDontWait, null); // ENOTSOCK: the symbol is there
                _ = SendMessages(fd, &message, 1, MsgDontWait);
                _ = Poll(&poll, 1, 0);
                return sizeof(MMsgHdr) == 64 && sizeof(MsgHdr) == 56;
            }
            finally
            {
                _ = Close(fd);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }
}
