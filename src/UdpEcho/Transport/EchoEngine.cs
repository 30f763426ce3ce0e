using UdpEcho.Transport.Linux;

namespace UdpEcho.Transport;

/// <summary>The receive loops of one server run. Created started; stopped by <see cref="RequestStop"/>, after which <see cref="Completion"/> ends.</summary>
internal abstract class EchoEngine : IDisposable
{
    /// <summary>Gets a task that completes when every loop has ended, by a stop or by a fault (which the loop logs).</summary>
    public abstract Task Completion { get; }

    /// <summary>Starts the engine <paramref name="choice"/> names for <paramref name="context"/>'s socket.</summary>
    /// <exception cref="PlatformNotSupportedException">The batched engine was asked for where it does not exist.</exception>
    public static EchoEngine Start(UdpEchoServerEngine choice, EchoLoopContext context, int loops)
    {
        if (choice == UdpEchoServerEngine.Batched && !LinuxSockets.IsSupported)
        {
            throw new PlatformNotSupportedException(
                $"The {nameof(UdpEchoServerEngine.Batched)} engine needs recvmmsg/sendmmsg, which only 64-bit Linux has; use {nameof(UdpEchoServerEngine)}.{nameof(UdpEchoServerEngine.Automatic)} to fall back to the portable engine elsewhere.");
        }

        return choice == UdpEchoServerEngine.Portable || !LinuxSockets.IsSupported
            ? new PortableEchoEngine(context, loops)
            : new BatchedEchoEngine(context, loops);
    }

    /// <summary>Makes every loop end soon. Called after <see cref="EchoLoopContext.Stopping"/> is set; the socket is closed after <see cref="Completion"/>.</summary>
    public abstract void RequestStop();

    public virtual void Dispose()
    {
    }
}
