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
    public const int EPerm = 1;
    public const int EIntr = 4;
    public const int EAgain = 11;
    public const int ENoSys = 38;
    public const int SolSocket = 1;
    public const int SoReusePort = 15;
    public const int SoTimestampNs = 35;
    public const int SoRxqOvfl = 40;
    public const int SoMemInfo = 55;
    public const int IPProtoIP = 0;
    public const int IPTtl = 2;
    public const int IPRecvTtl = 12;
    public const int IPProtoIPv6 = 41;
    public const int IPv6RecvHopLimit = 51;
    public const int IPv6HopLimit = 52;
    public const int EventFdNonBlock = 0x800;
    public const int EventFdCloseOnExec = 0x80000;

    // "libc" is mapped by the runtime to the C library's real file name (libc.so.6 on glibc, libc.so on musl).
    private const string LibC = "libc";

    private static readonly Lazy<bool> DefaultProbe = new(() => Probe(SocketCalls.Default));

    /// <summary>Gets a value indicating whether the batched calls exist here and behave as declared (probed once).</summary>
    public static bool IsSupported => IsPlatform && DefaultProbe.Value;

    /// <summary>Gets a value indicating whether this is a 64-bit Linux process, the only place the struct layouts hold.</summary>
    public static bool IsPlatform => OperatingSystem.IsLinux() && Environment.Is64BitProcess;

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
    public struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
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

    [LibraryImport(LibC, EntryPoint = "ppoll", SetLastError = true)]
    public static partial int PollPrecise(PollFd* fds, nuint count, TimeSpec* timeout, void* signalMask);

    [LibraryImport(LibC, EntryPoint = "sendto", SetLastError = true)]
    public static partial nint SendTo(int fd, byte* buffer, nuint length, int flags, byte* address, uint addressLength);

    [LibraryImport(LibC, EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSocketOption(int fd, int level, int name, void* value, uint length);

    [LibraryImport(LibC, EntryPoint = "prctl", SetLastError = true)]
    public static partial int ProcessControl(int option, nuint argument2, nuint argument3, nuint argument4, nuint argument5);

    [LibraryImport(LibC, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initialValue, int flags);

    [LibraryImport(LibC, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, void* buffer, nuint count);

    [LibraryImport(LibC, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport(LibC, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>
    /// Calls each batched system call once, through <paramref name="calls"/>, on a descriptor that cannot block: a missing
    /// C library or symbol, or a sandbox (seccomp) that answers ENOSYS or EPERM, shows up here rather than in a loop.
    /// </summary>
    public static bool Probe(SocketCalls calls)
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
                var receive = calls.ReceiveMessages(fd, &message, 1, MsgDontWait); // -ENOTSOCK: the call is there
                var send = calls.SendMessages(fd, &message, 1, MsgDontWait);
                var wait = calls.Poll(&poll, 1, 0);
                return !Refused(receive) && !Refused(send) && !Refused(wait) && sizeof(MMsgHdr) == 64 && sizeof(MsgHdr) == 56;
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

        static bool Refused(int result) => result is -ENoSys or -EPerm;
    }
}
