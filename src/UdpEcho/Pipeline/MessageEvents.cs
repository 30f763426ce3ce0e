using System.Net;
using UdpEcho.Addressing;
using UdpEcho.Diagnostics;

namespace UdpEcho.Pipeline;

/// <summary>
/// The server's <see cref="IUdpEchoServer.MessageReceived"/> event: its handlers, and the one lock that keeps them from
/// ever running concurrently, whichever receive loop raises them. Each loop raises its datagrams in the order it
/// received them, and a sender's datagrams always reach the same loop, so each sender's datagrams are raised in order.
/// </summary>
internal sealed class MessageEvents
{
    private readonly object _raiseGate = new();
    private EventHandler<UdpEchoMessageReceivedEventArgs>? _handlers;

    /// <summary>Gets a value indicating whether anyone listens: the loops copy a payload only then.</summary>
    public bool HasSubscribers => Volatile.Read(ref _handlers) is not null;

    public void Add(EventHandler<UdpEchoMessageReceivedEventArgs>? handler) => Update(handler, add: true);

    public void Remove(EventHandler<UdpEchoMessageReceivedEventArgs>? handler) => Update(handler, add: false);

    /// <summary>Raises the event for one datagram; a throwing handler is counted and logged by <paramref name="reporter"/>, never fatal.</summary>
    public void Raise(object sender, ReadOnlySpan<byte> payload, SocketAddress remote, ServerReporter reporter)
    {
        var handlers = Volatile.Read(ref _handlers);
        if (handlers is null)
        {
            return;
        }

        // Handlers get their own copy: the receive buffer is overwritten by the next datagram.
        var args = new UdpEchoMessageReceivedEventArgs(EndPoints.ToEndPoint(remote), payload.ToArray());
        lock (_raiseGate)
        {
            Subscribers.Invoke(handlers, sender, args, (Reporter: reporter, Remote: remote), static (state, e) => state.Reporter.SubscriberFailed(state.Remote, e));
        }
    }

    private void Update(EventHandler<UdpEchoMessageReceivedEventArgs>? handler, bool add)
    {
        // As a field-like event does: lock-free, so adding a handler never waits for one that runs.
        var current = Volatile.Read(ref _handlers);
        while (true)
        {
            var updated = (EventHandler<UdpEchoMessageReceivedEventArgs>?)(add ? Delegate.Combine(current, handler) : Delegate.Remove(current, handler));
            var seen = Interlocked.CompareExchange(ref _handlers, updated, current);
            if (ReferenceEquals(seen, current))
            {
                return;
            }

            current = seen;
        }
    }
}
