using System.Net.Sockets;
using UdpEcho.Transport.Linux;

namespace UdpEcho.Transport;

/// <summary>The receive loops of one server run. Created started; stopped by <see cref="RequestStop"/>, after which <see cref="Completion"/> ends.</summary>
internal abstract class EchoEngine : IDisposable
{
    /// <summary>Gets a task that completes when every loop has ended, by a stop or by a fault (which the loop reports).</summary>
    public abstract Task Completion { get; }

    /// <summary>Decides which engine <paramref name="choice"/> means here: <see cref="UdpEchoServerEngine.Batched"/> or <see cref="UdpEchoServerEngine.Portable"/>.</summary>
    /// <param name="choice">What the options asked for.</param>
    /// <param name="calls">The system calls the batched engine would make (tests replace them).</param>
    /// <exception cref="PlatformNotSupportedException">The batched engine was asked for where it does not exist.</exception>
    public static UdpEchoServerEngine Resolve(UdpEchoServerEngine choice, SocketCalls calls)
    {
        if (choice == UdpEchoServerEngine.Portable)
        {
            return UdpEchoServerEngine.Portable;
        }

        var supported = ReferenceEquals(calls, SocketCalls.Default) ? LinuxSockets.IsSupported : LinuxSockets.IsPlatform && LinuxSockets.Probe(calls);
        if (choice == UdpEchoServerEngine.Batched && !supported)
        {
            throw new PlatformNotSupportedException(
                $"The {nameof(UdpEchoServerEngine.Batched)} engine needs recvmmsg/sendmmsg, which only 64-bit Linux has (and a sandbox may refuse); use {nameof(UdpEchoServerEngine)}.{nameof(UdpEchoServerEngine.Automatic)} to fall back to the portable engine elsewhere.");
        }

        return supported ? UdpEchoServerEngine.Batched : UdpEchoServerEngine.Portable;
    }

    /// <summary>Starts engine <paramref name="engine"/> (resolved by <see cref="Resolve"/>): one loop per handler, loop i on socket i (modulo the sockets).</summary>
    public static EchoEngine Start(UdpEchoServerEngine engine, Socket[] sockets, EchoLoopHandler[] handlers, int maxDatagramSize, SocketCalls calls) =>
        engine == UdpEchoServerEngine.Batched
            ? new BatchedEchoEngine(sockets, handlers, maxDatagramSize, calls)
            : new PortableEchoEngine(sockets, handlers, maxDatagramSize);

    /// <summary>Makes every loop end soon. Called once the handlers say <see cref="EchoLoopHandler.Stopping"/>; the sockets are closed after <see cref="Completion"/>.</summary>
    public abstract void RequestStop();

    public virtual void Dispose()
    {
    }
}
