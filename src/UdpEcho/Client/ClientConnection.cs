using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using UdpEcho.Correlation;
using UdpEcho.Diagnostics;
using UdpEcho.Probing;
using UdpEcho.Transport;

namespace UdpEcho.Client;

/// <summary>
/// One connected client socket and its receive loop: every datagram that arrives is timestamped at once, then
/// handed to the call it completes (or the probe it answers) and classified when it completes nothing.
/// </summary>
internal sealed class ClientConnection : IEchoConnection
{
    // Larger than any UDP payload, so no echo is ever cut short.
    private const int ReceiveBufferLength = 65536;

    private readonly UdpEchoClient _client;
    private readonly ILogger _logger;
    private readonly UdpEchoMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly KeyValuePair<string, object?>[][] _unmatchedTags;
    private readonly object _probesGate = new();
    private ProbeRun[] _probes = [];
    private uint _nextStream = 1;
    private volatile bool _closing;

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
    }

    public Socket Socket { get; }

    public IPEndPoint Remote { get; }

    public IPEndPoint LocalEndPoint { get; }

    public ClientCounters Counters { get; }

    public EchoCalls Calls { get; }

    /// <summary>Gets the tags of this connection's measurements, built once.</summary>
    public KeyValuePair<string, object?>[] Tags { get; }

    public Task ReceiveLoop { get; private set; } = Task.CompletedTask;

    /// <summary>Gets why the receive loop ended, if it ended on its own; every later call fails with it.</summary>
    public UdpEchoException? Fault { get; private set; }

    /// <summary>Gets a value indicating whether the client is being disposed: socket errors then mean "disposed".</summary>
    public bool Closing => _closing;

    public void StartReceiving() => ReceiveLoop = Task.Run(ReceiveLoopAsync, CancellationToken.None);

    /// <summary>Closes the socket, fails everything in flight with <see cref="ObjectDisposedException"/>, and waits for the receive loop.</summary>
    public async Task CloseAsync()
    {
        _closing = true;
        Socket.Dispose();
        Calls.FailAll(ClientErrors.Disposed("waiting for its echo"), closing: true);
        FailProbes(new ObjectDisposedException(nameof(UdpEchoClient), "The UDP echo client was disposed while it was probing."));
        await ReceiveLoop.ConfigureAwait(false);
    }

    /// <summary>Starts a probe on this socket, with a stream number of its own so its echoes find it.</summary>
    public ProbeRun StartProbe(UdpEchoProbeOptions options, TimeProvider time, IProgress<UdpEchoProbeProgress>? progress)
    {
        lock (_probesGate)
        {
            var probe = new ProbeRun(this, _nextStream++, options, time, progress);
            _probes = [.. _probes, probe];
            if (_closing)
            {
                probe.Fail(new ObjectDisposedException(nameof(UdpEchoClient)));
            }

            return probe;
        }
    }

    public void EndProbe(ProbeRun probe)
    {
        lock (_probesGate)
        {
            _probes = [.. _probes.Where(p => p != probe)];
        }

        probe.Dispose();
    }

    public UdpEchoException Unreachable(SocketException e) => RemoteEndPoints.Unreachable(Remote, e);

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
        if (_metrics.ClientTimeouts.Enabled)
        {
            _metrics.ClientTimeouts.Add(1, Tags);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferLength, pinned: true);
        while (true)
        {
            int received;
            try
            {
                // AsMemory picks the ValueTask overload: the byte[] one binds to ArraySegment and allocates a Task per datagram.
                received = await Socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).ConfigureAwait(false);
            }
            catch (Exception e) when (_closing && e is SocketException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (UdpSockets.IsUnreachable(e.SocketErrorCode))
            {
                Log.DestinationUnreachable(_logger, Remote, e.SocketErrorCode);
                var unreachable = Unreachable(e);
                Calls.FailAll(unreachable, closing: false);
                FailProbes(unreachable);
                continue;
            }
            catch (SocketException e) when (UdpSockets.IsTransient(e.SocketErrorCode))
            {
                continue;
            }
#pragma warning disable CA1031 // The loop's last line of defence: fail every call now and later, never hang one.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Log.ClientFaulted(_logger, e, Remote);
                var fault = new UdpEchoException($"The UDP echo client for {Remote} stopped receiving: {e.Message}", e);
                Fault = fault;
                Calls.FailAll(fault, closing: false);
                FailProbes(fault);
                return;
            }

            // Taken before anything else looks at the datagram: the round trip ends here.
            var receivedAt = _time.GetTimestamp();
            var datagram = buffer.AsSpan(0, received);
            Interlocked.Increment(ref Counters.DatagramsReceived);
            var kind = Dispatch(datagram, receivedAt);
            if (kind != UdpEchoMessageKind.Echo)
            {
                Counters.CountUnmatched(kind);
                Log.UnmatchedDatagram(_logger, received, kind);
                if (_metrics.ClientUnmatched.Enabled)
                {
                    _metrics.ClientUnmatched.Add(1, _unmatchedTags[(int)kind]);
                }
            }

            _client.RaiseMessageReceived(Remote, datagram, kind);
        }
    }

    /// <summary>Hands a datagram to what it answers; says what it was.</summary>
    private UdpEchoMessageKind Dispatch(ReadOnlySpan<byte> datagram, long receivedAt)
    {
        if (EchoTag.TryRead(datagram, out var tag))
        {
            if (tag.Stream != 0)
            {
                foreach (var probe in Volatile.Read(ref _probes))
                {
                    if (probe.Stream == tag.Stream)
                    {
                        return probe.OnEcho(tag, datagram, receivedAt);
                    }
                }

                // In exact-bytes mode a caller's payload may merely look tagged.
                if (!Calls.Tagged && Calls.TryCompleteExact(datagram, receivedAt))
                {
                    return UdpEchoMessageKind.Echo;
                }

                // Streams are numbered from 1 up: a lower number is a probe that has finished.
                return tag.Stream < Volatile.Read(ref _nextStream) ? UdpEchoMessageKind.Late
                    : Calls.Tagged ? UdpEchoMessageKind.Foreign : UdpEchoMessageKind.Unmatched;
            }

            if (Calls.Tagged)
            {
                return Calls.CompleteTagged(tag, datagram, receivedAt);
            }
        }
        else if (Calls.Tagged)
        {
            return UdpEchoMessageKind.Foreign;
        }

        return Calls.TryCompleteExact(datagram, receivedAt) ? UdpEchoMessageKind.Echo : UdpEchoMessageKind.Unmatched;
    }

    private void FailProbes(Exception exception)
    {
        foreach (var probe in Volatile.Read(ref _probes))
        {
            probe.Fail(exception);
        }
    }
}
