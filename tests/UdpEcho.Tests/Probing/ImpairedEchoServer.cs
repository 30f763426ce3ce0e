using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace UdpEcho.Tests.Probing;

/// <summary>
/// A loopback echo server with known impairments, for testing that a probe or a benchmark reports the truth: it holds
/// every datagram for a known time measured from its arrival, drops a known subset, keeps only the first bytes (as the
/// original C server keeps 511), or changes bytes of a known subset. Two dedicated threads, so the thread pool's
/// scheduling adds nothing to the delays.
/// </summary>
internal sealed class ImpairedEchoServer : IDisposable
{
    private readonly Socket _socket;
    private readonly Func<long, TimeSpan> _delay;
    private readonly Func<long, bool> _drop;
    private readonly int _truncateTo;
    private readonly Action<long, byte[]> _mangle;
    private readonly PriorityQueue<(byte[] Datagram, EndPoint To, long ArrivedAt), long> _due = new();
    private readonly List<(byte[] Datagram, TimeSpan Held)> _held = [];
    private readonly Thread _receiver;
    private readonly Thread _sender;
    private bool _stopping;
    private long _received;

    public ImpairedEchoServer(AddressFamily family = AddressFamily.InterNetwork, Func<long, TimeSpan>? delay = null, Func<long, bool>? drop = null, int truncateTo = int.MaxValue, Action<long, byte[]>? mangle = null)
    {
        _delay = delay ?? (_ => TimeSpan.Zero);
        _drop = drop ?? (_ => false);
        _truncateTo = truncateTo;
        _mangle = mangle ?? ((_, _) => { });
        _socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(family == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback, 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _receiver = new Thread(Receive) { IsBackground = true, Name = "impaired echo: receive" };
        _sender = new Thread(Send) { IsBackground = true, Name = "impaired echo: send" };
        _receiver.Start();
        _sender.Start();
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Gets how many datagrams arrived, dropped ones included.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>
    /// Gets every datagram echoed so far with the time the server really held it, from its arrival to just before the
    /// send, on the same <see cref="Stopwatch"/> clock as the client: the ground truth under a load that makes the
    /// server's own waits late.
    /// </summary>
    public IReadOnlyList<(byte[] Datagram, TimeSpan Held)> Held
    {
        get
        {
            lock (_held)
            {
                return [.. _held];
            }
        }
    }

    public void Dispose()
    {
        lock (_due)
        {
            _stopping = true;
            Monitor.PulseAll(_due);
        }

        _socket.Dispose();
        _receiver.Join();
        _sender.Join();
    }

    private void Receive()
    {
        var buffer = new byte[65536];
        while (true)
        {
            EndPoint from = new IPEndPoint(EndPoint.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
            int length;
            try
            {
                length = _socket.ReceiveFrom(buffer, ref from);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            // The hold starts when the datagram arrives, before anything else is done with it.
            var arrivedAt = Stopwatch.GetTimestamp();
            var index = Interlocked.Increment(ref _received) - 1;
            if (_drop(index))
            {
                continue;
            }

            var releaseAt = arrivedAt + (long)(_delay(index).TotalSeconds * Stopwatch.Frequency);
            var echo = buffer[..Math.Min(length, _truncateTo)];
            _mangle(index, echo);
            lock (_due)
            {
                _due.Enqueue((echo, from, arrivedAt), releaseAt);
                Monitor.Pulse(_due);
            }
        }
    }

    private void Send()
    {
        while (true)
        {
            (byte[] Datagram, EndPoint To, long ArrivedAt) next;
            lock (_due)
            {
                while (true)
                {
                    if (_stopping)
                    {
                        return;
                    }

                    if (_due.TryPeek(out _, out var releaseAt))
                    {
                        var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), releaseAt);
                        if (remaining <= TimeSpan.Zero)
                        {
                            next = _due.Dequeue();
                            break;
                        }

                        // Sleep until two milliseconds before the release, then spin: timed waits are too coarse (and
                        // oversleep) for the last stretch. A datagram due earlier wakes the wait.
                        if (remaining > TimeSpan.FromMilliseconds(2.5))
                        {
                            Monitor.Wait(_due, remaining - TimeSpan.FromMilliseconds(2));
                        }
                        else
                        {
                            Monitor.Exit(_due);
                            Thread.SpinWait(50);
                            Monitor.Enter(_due);
                        }
                    }
                    else
                    {
                        Monitor.Wait(_due);
                    }
                }
            }

            lock (_held)
            {
                _held.Add((next.Datagram, Stopwatch.GetElapsedTime(next.ArrivedAt)));
            }

            try
            {
                _socket.SendTo(next.Datagram, next.To);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
        }
    }
}
