using System.Net;
using System.Net.Sockets;
using UdpEcho.Diagnostics;

namespace UdpEcho.Transport;

/// <summary>
/// The engine for every operating system: each loop awaits <c>ReceiveFromAsync</c> and <c>SendToAsync</c> with the
/// <see cref="SocketAddress"/> overloads, on the thread pool. One address, one pinned buffer and one state machine per
/// loop; nothing per datagram.
/// </summary>
internal sealed class PortableEchoEngine : EchoEngine
{
    private readonly EchoLoopContext _context;

    public PortableEchoEngine(EchoLoopContext context, int loops)
    {
        _context = context;
        var tasks = new Task[loops];
        for (var i = 0; i < loops; i++)
        {
            tasks[i] = Task.Run(() => ReceiveLoopAsync(context), CancellationToken.None);
        }

        Completion = Task.WhenAll(tasks);
    }

    public override Task Completion { get; }

    /// <summary>Closes the socket: that frees the port at once and ends each pending receive with an abort.</summary>
    public override void RequestStop() => _context.Socket.Dispose();

    private static async Task ReceiveLoopAsync(EchoLoopContext context)
    {
        var socket = context.Socket;
        var max = context.MaxDatagramSize;
        var report = context.Report;

        // One byte more than the largest datagram we echo: a datagram that fills the buffer was cut short by the
        // kernel and is dropped whole. Pinned, because the kernel writes into it on every receive.
        var buffer = GC.AllocateUninitializedArray<byte>(max + 1, pinned: true);
        var remote = new SocketAddress(socket.AddressFamily);

        try
        {
            while (true)
            {
                int received;
                try
                {
                    // The SocketAddress overloads reuse one address and one cached event args: no allocation per datagram.
                    received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, remote).ConfigureAwait(false);
                }
                catch (SocketException e) when (!context.Stopping && e.SocketErrorCode == SocketError.MessageSize)
                {
                    // Windows reports a datagram larger than the buffer as an error rather than a short read.
                    report.Oversized(remote, max);
                    continue;
                }
                catch (SocketException e) when (!context.Stopping && UdpSockets.IsTransient(e.SocketErrorCode))
                {
                    // ICMP errors for earlier echoes (port unreachable and friends) surface here on some systems.
                    report.ReceiveFailed(e.SocketErrorCode);
                    continue;
                }

                if (!context.Admit(remote, buffer.AsSpan(0, Math.Min(received, max)), received > max))
                {
                    continue;
                }

                // The send is awaited here, not in a helper async method: in a Debug build the compiler makes every
                // async method's state machine a class, so a helper would allocate one per datagram. The loop's own
                // state machine is allocated once per run.
                try
                {
                    await socket.SendToAsync(buffer.AsMemory(0, received), SocketFlags.None, remote).ConfigureAwait(false);
                    report.Echoed(remote, received);
                }
                catch (SocketException e) when (!context.Stopping)
                {
                    report.SendFailed(remote, received, e);
                }

                context.RaiseMessageReceived(buffer.AsSpan(0, received), remote);
            }
        }
        catch (Exception e) when (context.Stopping && e is SocketException or ObjectDisposedException)
        {
            // RequestStop closed the socket under a pending operation: the normal way out.
        }
#pragma warning disable CA1031 // The loop's last line of defence: log it; IsRunning turns false, and Stop/Dispose stay quiet.
        catch (Exception e)
#pragma warning restore CA1031
        {
            report.LoopFaulted(e, context.LocalEndPoint);
        }
    }
}
