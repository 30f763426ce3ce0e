using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace UdpEcho.Transport;

/// <summary>
/// The engine for every operating system: each loop awaits <c>ReceiveFromAsync</c> and <c>SendToAsync</c> with the
/// <see cref="SocketAddress"/> overloads, on the thread pool. One address, one pinned buffer and one state machine per
/// loop; nothing per datagram. On Linux each loop has a socket of its own (a <c>SO_REUSEPORT</c> group); elsewhere the
/// loops share one.
/// </summary>
/// <remarks>
/// Stop cancels the pending receives; it does not close the sockets under the loops, so a datagram a loop has already
/// taken is always echoed (or counted) before the loop ends. The server closes the sockets once every loop has.
/// </remarks>
internal sealed class PortableEchoEngine : EchoEngine
{
    /// <summary>How often a loop asks the kernel for its drop count (it has no control messages to read it from).</summary>
    private static readonly long KernelDropPollTicks = Stopwatch.Frequency / 10;

    private readonly CancellationTokenSource _stop = new();

    public PortableEchoEngine(Socket[] sockets, EchoLoopHandler[] handlers, int maxDatagramSize)
    {
        var tasks = new Task[handlers.Length];
        var stop = _stop.Token;
        for (var i = 0; i < handlers.Length; i++)
        {
            var socket = sockets[i % sockets.Length];
            var handler = handlers[i];
            tasks[i] = Task.Run(() => ReceiveLoopAsync(socket, handler, maxDatagramSize, stop), CancellationToken.None);
        }

        Completion = Task.WhenAll(tasks);
    }

    public override Task Completion { get; }

    /// <summary>Cancels every pending receive; a loop busy with a datagram finishes it first.</summary>
    public override void RequestStop() => _stop.Cancel();

    public override void Dispose() => _stop.Dispose();

    private static async Task ReceiveLoopAsync(Socket socket, EchoLoopHandler handler, int max, CancellationToken stop)
    {
        // One byte more than the largest datagram we echo: a datagram that fills the buffer was cut short by the
        // kernel and is dropped whole. Pinned, because the kernel writes into it on every receive.
        var buffer = GC.AllocateUninitializedArray<byte>(max + 1, pinned: true);
        var remote = new SocketAddress(socket.AddressFamily);
        var nextDropPoll = 0L;
        var drops = 0L;

        try
        {
            while (!handler.Stopping)
            {
                int received;
                try
                {
                    // The SocketAddress overloads reuse one address and one cached event args: no allocation per datagram.
                    received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, remote, stop).ConfigureAwait(false);
                }
                catch (SocketException e) when (!handler.Stopping && e.SocketErrorCode == SocketError.MessageSize)
                {
                    // Windows reports a datagram larger than the buffer as an error rather than a short read.
                    _ = handler.OnDatagram(remote, buffer.AsSpan(0, max), oversized: true, ReceiveMetadata.None);
                    continue;
                }
                catch (SocketException e) when (!handler.Stopping && UdpSockets.IsTransient(e.SocketErrorCode))
                {
                    // ICMP errors for earlier echoes (port unreachable and friends) surface here on some systems.
                    handler.OnReceiveFailed(e.SocketErrorCode);
                    continue;
                }

                var now = Stopwatch.GetTimestamp();
                if (now >= nextDropPoll)
                {
                    nextDropPoll = now + KernelDropPollTicks;
                    var total = UdpSockets.ReadKernelDrops(socket);
                    if (total > drops)
                    {
                        drops = total;
                        handler.OnKernelDrops(total);
                    }
                }

                var payload = buffer.AsMemory(0, Math.Min(received, max));
                var action = handler.OnDatagram(remote, payload.Span, received > max, ReceiveMetadata.None);
                if (action == EchoAction.None)
                {
                    continue;
                }

                if (action == EchoAction.EchoStamped)
                {
                    handler.StampTransmit(payload.Span);
                }

                // The send is awaited here, not in a helper async method: in a Debug build the compiler makes every
                // async method's state machine a class, so a helper would allocate one per datagram. The loop's own
                // state machine is allocated once per run.
                try
                {
                    await socket.SendToAsync(payload, SocketFlags.None, remote).ConfigureAwait(false);
                    handler.OnEchoed(remote, received);
                }
                catch (SocketException e)
                {
                    handler.OnSendFailed(remote, received, e.SocketErrorCode);
                }

                if (handler.HasSubscribers)
                {
                    handler.RaiseEchoed(payload.Span, remote);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // RequestStop cancelled the pending receive: the normal way out.
        }
#pragma warning disable CA1031 // The loop's last line of defence: report it; IsRunning turns false, and Stop/Dispose stay quiet.
        catch (Exception e)
#pragma warning restore CA1031
        {
            handler.OnFaulted(e);
        }
    }
}
