using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using UdpEcho.Correlation;
using UdpEcho.Diagnostics;
using UdpEcho.Probing;
using UdpEcho.Transport;

namespace UdpEcho.Client;

/// <summary>
/// One connected client socket and the thread that receives on it: every datagram that arrives is timestamped at
/// once, then handed to the call it completes (or the probe it answers) and classified when it completes nothing.
/// Sends are synchronous, from whichever thread sends.
/// </summary>
/// <remarks>
/// A STAMP probe's replies carry no tag: a running STAMP probe (one at a time) is offered every datagram first, and
/// takes only replies to its own test packets (its SSID, a sequence it sent, the very T1 it sent); everything else goes
/// on to the calls and the other probes as before.
/// </remarks>
internal sealed class ClientConnection : IEchoConnection
{
    // Larger than any UDP payload, so no echo is ever cut short (and no UDP stack sends a datagram this long).
    private const int ReceiveBufferLength = 65536;

    private readonly UdpEchoClient _client;
    private readonly ILogger _logger;
    private readonly UdpEchoMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly KeyValuePair<string, object?>[][] _unmatchedTags;
    private readonly ClientProbes _probes = new();
    private readonly TaskCompletionSource _receiving = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _reresolve;
    private long _reresolveAfter;
    private volatile bool _closing;
    private volatile bool _stale;

    public ClientConnection(UdpEchoClient client, Socket socket, IPEndPoint remote, UdpEchoClientOptions options, ILogger logger, UdpEchoMetrics metrics, ClientCounters counters)
    {
        _client = client;
        _logger = logger;
        _metrics = metrics;
        _time = options.TimeProvider;
        Socket = socket;
        Remote = remote;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        Counters = counters;
        var ipv6 = remote.AddressFamily == AddressFamily.InterNetworkV6;
        Tags = UdpEchoMetrics.Tags(ipv6);
        _unmatchedTags = [.. Enum.GetValues<UdpEchoMessageKind>().Select(kind => UdpEchoMetrics.Tags(ipv6, "udpecho.datagram.kind", kind.ToString().ToLowerInvariant()))];
        Calls = new EchoCalls(this, options);
        _reresolve = options.RemoteEndPoint is DnsEndPoint;
        Refreshed();
    }

    public Socket Socket { get; }

    public IPEndPoint Remote { get; }

    public IPEndPoint LocalEndPoint { get; }

    public ClientCounters Counters { get; }

    public EchoCalls Calls { get; }

    /// <summary>Gets the tags of this connection's measurements, built once.</summary>
    public KeyValuePair<string, object?>[] Tags { get; }

    /// <summary>Gets a task that completes when the receive thread has ended.</summary>
    public Task ReceiveLoopEnded => _ended.Task;

    /// <summary>Gets why the receive loop ended, if it ended on its own; every later call fails with it.</summary>
    public UdpEchoException? Fault { get; private set; }

    /// <summary>Gets a value indicating whether the client is being disposed: socket errors then mean "disposed".</summary>
    public bool Closing => _closing;

    /// <summary>
    /// Gets a value indicating whether the client should look again before its next call: the receive thread faulted
    /// (a new socket is needed), or a failure (a timeout, an unreachable report) asks for the host name to be resolved
    /// again, at most once a second.
    /// </summary>
    public bool Stale => _stale;

    /// <summary>Clears <see cref="Stale"/> once the client has looked again and kept this connection: the name still resolves here.</summary>
    public void Refreshed()
    {
        _reresolveAfter = _time.GetTimestamp() + _time.TimestampFrequency;
        _stale = false;
    }

    /// <summary>
    /// Starts the receive thread and readies the send path, so that the first call's round trip is as true as the
    /// thousandth: the thread is blocked in its receive before this returns, and the code a send runs between its
    /// timestamp and the system call has run once.
    /// </summary>
    public Task StartAsync()
    {
        var thread = new Thread(ReceiveLoop) { IsBackground = true, Name = "UdpEcho client receive" };

        // The thread outlives the call that started it: it must not carry that caller's AsyncLocals.
        thread.UnsafeStart();

        // A call every UDP stack refuses before anything leaves (EMSGSIZE): one byte more than a UDP datagram can
        // carry. It runs the whole call path once, down to the system call, so that the first real call is not timed
        // with compiling it.
        Calls.WarmUp(GC.AllocateUninitializedArray<byte>(ReceiveBufferLength));
        StartTimerThread();
        EchoTag.WriteSequence(stackalloc byte[EchoTag.Length], 0, _time.GetTimestamp());
        return _receiving.Task;
    }

    /// <summary>
    /// Closes the socket, fails everything in flight with <paramref name="reason"/> (by default
    /// <see cref="ObjectDisposedException"/>: the client was disposed), and waits for the receive thread.
    /// </summary>
    public async Task CloseAsync(Exception? reason = null)
    {
        _closing = true;
        Socket.Dispose();
        Calls.FailAll(reason ?? ClientErrors.Disposed("waiting for its echo"), closing: true);
        _probes.FailAll(reason ?? new ObjectDisposedException(nameof(UdpEchoClient), "The UDP echo client was disposed while it was probing."));
        await _ended.Task.ConfigureAwait(false);
    }

    /// <summary>Starts a probe on this socket, with a stream number of its own so its echoes find it.</summary>
    /// <exception cref="InvalidOperationException">A STAMP probe is asked for while another runs on this socket.</exception>
    public ProbeRun StartProbe(UdpEchoProbeOptions options, TimeProvider time, IProgress<UdpEchoProbeProgress>? progress) =>
        _probes.Start(this, options, time, progress);

    public void EndProbe(ProbeRun probe) => _probes.End(probe);

    public UdpEchoException Unreachable(SocketException e)
    {
        Failed();
        return RemoteEndPoints.Unreachable(Remote, e);
    }

    public void RecordRoundTrip(TimeSpan roundTrip)
    {
        if (_metrics.ClientRoundTrip.Enabled)
        {
            _metrics.ClientRoundTrip.Record(roundTrip.TotalSeconds, Tags);
        }
    }

    public void RecordRetry()
    {
        if (_metrics.ClientRetries.Enabled)
        {
            _metrics.ClientRetries.Add(1, Tags);
        }
    }

    public void RecordTimeout()
    {
        Failed();
        if (_metrics.ClientTimeouts.Enabled)
        {
            _metrics.ClientTimeouts.Add(1, Tags);
        }
    }

    /// <inheritdoc />
    public SocketError Send(ReadOnlySpan<byte> datagram)
    {
        try
        {
            // Synchronous on purpose: a UDP send returns as soon as the kernel has the datagram, and a socket that
            // never sees an asynchronous operation stays in blocking mode, which the receive thread relies on.
            Socket.Send(datagram, SocketFlags.None, out var error);
            return error;
        }
        catch (ObjectDisposedException)
        {
            return SocketError.OperationAborted;
        }
    }

    /// <summary>
    /// Arms a timer once, now: the first timer armed in a process starts the thread that serves timers, and that
    /// thread's start-up must not compete for a core with the first call's echo. A test's fake clock has no such
    /// thread, and a timer armed on it would only confuse the test.
    /// </summary>
    private void StartTimerThread()
    {
        if (ReferenceEquals(_time, TimeProvider.System))
        {
            using var timer = _time.CreateTimer(static _ => { }, null, TimeSpan.FromDays(1), Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// The receive thread: a blocking receive, then the timestamp, then the dispatch, all on this one thread, which
    /// the kernel wakes directly when a datagram arrives. No thread pool in between: a pool worker that has to be
    /// woken, or that competes for a core with spinning threads, would be timed as part of the round trip.
    /// </summary>
    private void ReceiveLoop()
    {
        var buffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferLength);
        try
        {
            // Compiled before the first echo needs it, so that the first echoes do not wait for the compiler while the
            // next one is on its way: with nothing in flight, dispatching changes nothing, and raising the event is only
            // compiled, not run.
            Dispatch(ReadOnlySpan<byte>.Empty, _time.GetTimestamp());
            RuntimeHelpers.PrepareMethod(typeof(UdpEchoClient).GetMethod(nameof(UdpEchoClient.RaiseMessageReceived), BindingFlags.Instance | BindingFlags.NonPublic)!.MethodHandle);
            _receiving.TrySetResult();
            while (true)
            {
                var received = Receive(buffer, out var error);

                // Taken before anything else looks at the datagram: the round trip ends here.
                var receivedAt = _time.GetTimestamp();
                if (error == SocketError.Success)
                {
                    Handle(buffer.AsSpan(0, received), receivedAt);
                }
                else if (!OnReceiveError(error))
                {
                    return;
                }

                // Last, right before the next receive, as a single-threaded ping sends: the next probe a closed-loop
                // probe owes. Everything else this thread does for a datagram is done by then.
                foreach (var probe in _probes.Running)
                {
                    probe.SendWhatIsDue();
                }
            }
        }
#pragma warning disable CA1031 // The loop's last line of defence: fail every call now and later, never hang one.
        catch (Exception e)
#pragma warning restore CA1031
        {
            if (!_closing)
            {
                OnFault(e);
            }
        }
        finally
        {
            _receiving.TrySetResult();
            _ended.TrySetResult();
        }
    }

    private void Handle(ReadOnlySpan<byte> datagram, long receivedAt)
    {
        Interlocked.Increment(ref Counters.DatagramsReceived);
        var kind = Dispatch(datagram, receivedAt);
        if (kind != UdpEchoMessageKind.Echo)
        {
            Counters.CountUnmatched(kind);
            Log.UnmatchedDatagram(_logger, datagram.Length, kind);
            if (_metrics.ClientUnmatched.Enabled)
            {
                _metrics.ClientUnmatched.Add(1, _unmatchedTags[(int)kind]);
            }
        }

        _client.RaiseMessageReceived(Remote, datagram, kind);
    }

    private int Receive(byte[] buffer, out SocketError error)
    {
        try
        {
            return Socket.Receive(buffer, SocketFlags.None, out error);
        }
        catch (ObjectDisposedException) when (_closing)
        {
            error = SocketError.OperationAborted;
            return 0;
        }
    }

    /// <summary>Handles a failed receive; says whether the loop goes on.</summary>
    private bool OnReceiveError(SocketError error)
    {
        if (_closing)
        {
            return false;
        }

        if (UdpSockets.IsUnreachable(error))
        {
            Log.DestinationUnreachable(_logger, Remote, error);
            Calls.FailAll(Unreachable(new SocketException((int)error)), closing: false);
            foreach (var probe in _probes.Running)
            {
                probe.OnUnreachable();
            }

            return true;
        }

        if (UdpSockets.IsTransient(error))
        {
            return true;
        }

        OnFault(new SocketException((int)error));
        return false;
    }

    /// <summary>A call or probe failed: a host name may have moved, so have it resolved again before the next call (once a second at most).</summary>
    private void Failed()
    {
        if (_reresolve && !_stale && _time.GetTimestamp() >= _reresolveAfter)
        {
            _stale = true;
        }
    }

    private void OnFault(Exception e)
    {
        Log.ClientFaulted(_logger, e, Remote);
        var fault = new UdpEchoException($"The UDP echo client for {Remote} stopped receiving: {e.Message}; the next call opens a new socket.", e);
        Fault = fault;
        _stale = true;
        Calls.FailAll(fault, closing: false);
        _probes.FailAll(fault);
    }

    /// <summary>Hands a datagram to what it answers; says what it was.</summary>
    private UdpEchoMessageKind Dispatch(ReadOnlySpan<byte> datagram, long receivedAt)
    {
        if (_probes.Stamp is { } stamp && stamp.OnStampDatagram(datagram, receivedAt) is { } stampKind)
        {
            return stampKind;
        }

        if (EchoTag.TryRead(datagram, out var tag))
        {
            if (tag.Stream != 0)
            {
                if (_probes.Find(tag.Stream) is { } probe)
                {
                    return probe.OnEcho(tag, datagram, receivedAt);
                }

                // In exact-bytes mode a caller's payload may merely look tagged.
                if (!Calls.Tagged && Calls.CompleteExact(datagram, receivedAt) is var exact && exact != UdpEchoMessageKind.Unmatched)
                {
                    return exact;
                }

                // Streams are numbered from 1 up: a lower number is a probe that has finished.
                return tag.Stream < _probes.NextStream ? UdpEchoMessageKind.Late
                    : Calls.Tagged ? UdpEchoMessageKind.Foreign : UdpEchoMessageKind.Unmatched;
            }

            if (Calls.Tagged)
            {
                return Calls.CompleteTagged(tag, datagram, receivedAt);
            }
        }
        else if (Calls.Tagged)
        {
            // Shorter than a tag, it may be an echo cut inside one: the start of a call's datagram.
            return datagram.Length < EchoTag.Length ? Calls.CompleteCutInsideTag(datagram) : UdpEchoMessageKind.Foreign;
        }

        return Calls.CompleteExact(datagram, receivedAt);
    }
}
