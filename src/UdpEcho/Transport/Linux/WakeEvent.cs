using System.Runtime.InteropServices;
using static UdpEcho.Transport.Linux.LinuxSockets;

namespace UdpEcho.Transport.Linux;

/// <summary>
/// An eventfd that a loop polls beside its socket, so that another thread can wake it from <c>poll</c>: set, it stays
/// readable (and wakes every poller) until reset.
/// </summary>
internal sealed unsafe class WakeEvent : IDisposable
{
    private int _disposed;

    public WakeEvent()
    {
        Fd = EventFd(0, EventFdNonBlock | EventFdCloseOnExec);
        if (Fd < 0)
        {
            throw new UdpEchoException($"Cannot create a wake-up eventfd: {Marshal.GetLastPInvokeErrorMessage()}.");
        }
    }

    /// <summary>Gets the descriptor to poll for <see cref="PollIn"/>.</summary>
    public int Fd { get; }

    /// <summary>Makes the descriptor readable: every poll on it returns, now or later, until <see cref="Reset"/>.</summary>
    public void Set()
    {
        ulong one = 1;
        _ = Write(Fd, &one, sizeof(ulong));
    }

    /// <summary>Makes the descriptor unreadable again (reading an eventfd clears it).</summary>
    public void Reset()
    {
        ulong value;
        _ = Read(Fd, &value, sizeof(ulong));
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _ = Close(Fd);
        }
    }
}
