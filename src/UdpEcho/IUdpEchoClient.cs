using System.Net;

namespace UdpEcho;

/// <summary>
/// A client for any UDP echo (RFC 862) server: sends a datagram and waits for the identical datagram to come back.
/// </summary>
/// <remarks>
/// The interface exists so that code which measures a network or a server can be tested with a mock.
/// <see cref="UdpEchoClient"/> is the implementation. The UTF-8 string overload is an extension method
/// (<see cref="UdpEchoClientExtensions.SendAndReceiveAsync(IUdpEchoClient, string, CancellationToken)"/>), so a
/// mock needs only this interface's one method set up.
/// </remarks>
public interface IUdpEchoClient : IAsyncDisposable
{
    /// <summary>
    /// Raised for every datagram that arrives on the client's socket, whether or not it completed a call.
    /// </summary>
    /// <remarks>Handlers run on the client's receive loop. A handler that throws is logged and ignored.</remarks>
    event EventHandler<UdpEchoMessageReceivedEventArgs>? MessageReceived;

    /// <summary>Gets the echo server's endpoint, as configured in <see cref="UdpEchoClientOptions.RemoteEndPoint"/>.</summary>
    EndPoint RemoteEndPoint { get; }

    /// <summary>
    /// Sends <paramref name="payload"/> as one datagram and waits for the server to echo the same bytes back.
    /// </summary>
    /// <param name="payload">The datagram to send: 0 to 65507 bytes over IPv4, 0 to 65527 over IPv6.</param>
    /// <param name="cancellationToken">Cancels the call; it then throws <see cref="OperationCanceledException"/> at once.</param>
    /// <returns>The echo, with its round-trip time and the number of attempts it took.</returns>
    /// <remarks>
    /// The first attempt waits <see cref="UdpEchoClientOptions.Timeout"/>; after a timeout the datagram is sent again,
    /// up to <see cref="UdpEchoClientOptions.Retries"/> more times, each attempt waiting
    /// <see cref="UdpEchoClientOptions.RetryBackoff"/> times longer than the one before (with
    /// <see cref="UdpEchoClientOptions.RetryJitter"/>). A datagram whose bytes differ from <paramref name="payload"/>
    /// is never taken as its echo. Calls may run concurrently on one client, at most
    /// <see cref="UdpEchoClientOptions.MaxCallsInFlight"/> of them in flight (the rest wait their turn, unsent); how an
    /// echo is matched to its call is set by <see cref="UdpEchoClientOptions.Matching"/>. The client reads
    /// <paramref name="payload"/> until the returned task completes, and not after.
    /// </remarks>
    /// <exception cref="TimeoutException">No echo arrived within any attempt.</exception>
    /// <exception cref="UdpEchoException">
    /// The destination reported that nothing listens there (ICMP port unreachable), the host name did not resolve, or
    /// the echo came back truncated (the message says "truncated" and gives both lengths; <see cref="UdpEchoException.SocketErrorCode"/> is <see cref="System.Net.Sockets.SocketError.MessageSize"/>).
    /// </exception>
    /// <exception cref="ArgumentException">The payload is larger than a UDP datagram can carry.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed, before or during the call.</exception>
    ValueTask<UdpEchoReply> SendAndReceiveAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default);

    /// <summary>
    /// Measures the path to the echo server with a run of tagged probe datagrams: loss, duplicates, reordering, late,
    /// corrupt and truncated echoes, unreachable reports, per-probe round-trip times (percentiles from a histogram), jitter
    /// and the rate achieved.
    /// </summary>
    /// <param name="options">How many probes, how fast, how large, how long each may take. They are validated and copied.</param>
    /// <param name="progress">Told of every echo and every timeout as it happens, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the probe. Once it has started, it then throws <see cref="UdpEchoProbeCanceledException"/>, whose <see cref="UdpEchoProbeCanceledException.Result"/> holds what was measured.</param>
    /// <returns>The statistics of the measured (not warm-up) probes, once every probe was answered or timed out.</returns>
    /// <remarks>
    /// <para>
    /// Probes share the client's socket and receive loop with <see cref="SendAndReceiveAsync(ReadOnlyMemory{byte}, CancellationToken)"/>
    /// calls and other probes; each probe's tag keeps their echoes apart. Each probe is sent once: a probe is answered
    /// if its first intact echo arrives within <see cref="UdpEchoProbeOptions.Timeout"/> of its send, by the timestamps,
    /// however late the probe's loop gets round to it. The definitions are in <c>docs/client.md</c>.
    /// </para>
    /// <para>
    /// With <see cref="UdpEchoProbeOptions.StampMode"/> the probe is a STAMP Session-Sender (<c>docs/stamp.md</c>). Its
    /// replies carry no tag: the client takes as the STAMP probe's only the replies to its own test packets (its SSID,
    /// or 0, a sequence number it sent and the very send timestamp it wrote), and hands everything else to calls and
    /// other probes as usual. One STAMP probe runs on a client at a time.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentException">An option is invalid, or <see cref="UdpEchoProbeOptions.Size"/> is too large for an IPv4 endpoint.</exception>
    /// <exception cref="InvalidOperationException">A STAMP probe was asked for while another STAMP probe runs on this client.</exception>
    /// <exception cref="UdpEchoException">
    /// The host name did not resolve, or a STAMP probe's test packet came back unchanged (the destination is an echo
    /// server, not a STAMP Session-Reflector). (A destination that reports nothing listens there does not end a probe:
    /// its probes are counted in <see cref="UdpEchoProbeResult.Unreachable"/>.)
    /// </exception>
    /// <exception cref="ObjectDisposedException">The client was disposed, before or during the probe.</exception>
    Task<UdpEchoProbeResult> ProbeAsync(UdpEchoProbeOptions options, IProgress<UdpEchoProbeProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Gets a snapshot of the client's counters: datagrams sent and received, echoes, timeouts, retries, and unmatched datagrams by kind.</summary>
    /// <returns>A new snapshot; later traffic does not change it.</returns>
    UdpEchoClientStatistics GetStatistics();
}
