using System.Globalization;
using System.Net;
using System.Net.Sockets;
using UdpEcho.Transport;

namespace UdpEcho;

/// <summary>Configures a <see cref="UdpEchoClient"/>. The client takes a copy when it is created: later changes do not affect it.</summary>
public sealed class UdpEchoClientOptions
{
    /// <summary>The longest <see cref="Timeout"/> allowed: about 24.8 days, the longest a timer can wait.</summary>
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromMilliseconds(int.MaxValue);

    private const int MaxCallsInFlightLimit = 1 << 20;

    /// <summary>The most <see cref="Retries"/> allowed.</summary>
    public const int MaxRetries = 1000;

    /// <summary>The default <see cref="ReceiveBufferSize"/> and <see cref="SendBufferSize"/>: 8 MiB, as the C load generator asks for.</summary>
    public const int DefaultSocketBufferSize = 8 << 20;

    /// <summary>The default <see cref="MaxCallsInFlight"/>.</summary>
    public const int DefaultMaxCallsInFlight = 64;

    /// <summary>The largest <see cref="RetryBackoff"/> allowed.</summary>
    public const double MaxRetryBackoff = 10;

    /// <summary>
    /// Gets or sets the echo server to talk to: an <see cref="IPEndPoint"/>, or a <see cref="DnsEndPoint"/> whose host
    /// name is resolved asynchronously on first use, and again (at most once a second) after a call or probe failed:
    /// when it then resolves to another address, the client moves there.
    /// </summary>
    /// <value>There is no default: it must be set.</value>
    public EndPoint? RemoteEndPoint { get; set; }

    /// <summary>Gets or sets how long each attempt waits for the echo.</summary>
    /// <value>The default is 1 second. It must be positive, or <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> to wait forever.</value>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how many more times a datagram is sent after an attempt timed out.</summary>
    /// <value>The default is 0: one attempt. The allowed range is 0 to 1000.</value>
    public int Retries { get; set; }

    /// <summary>
    /// Gets or sets how many times longer each retry waits than the attempt before it: the first attempt waits
    /// <see cref="Timeout"/>, the second <see cref="Timeout"/> × <see cref="RetryBackoff"/>, the third
    /// <see cref="Timeout"/> × <see cref="RetryBackoff"/>², and so on (at most about 24.8 days).
    /// </summary>
    /// <value>The default is 2, exponential backoff as TCP and DNS resolvers do. From 1 (every attempt waits <see cref="Timeout"/>) to 10.</value>
    public double RetryBackoff { get; set; } = 2;

    /// <summary>
    /// Gets or sets the random extra each attempt that a retry follows waits, as a fraction of its wait: with 0.2, a wait
    /// of 1 s becomes 1 to 1.2 s. Calls that were sent together and lost together (a burst that overflowed a buffer)
    /// then do not all send again in the same instant. The last attempt waits its exact time.
    /// </summary>
    /// <value>The default is 0.2. From 0 (no jitter) to 1.</value>
    public double RetryJitter { get; set; } = 0.2;

    /// <summary>
    /// Gets or sets the most calls in flight (sent and waiting for their echo) at once on this client. Further calls wait,
    /// first come first served, unsent and with their timeout not yet running, and each leaves as soon as a call in
    /// flight ends. This keeps a burst of calls from having more echoes on their way back than the socket's receive
    /// buffer holds, which would lose them.
    /// </summary>
    /// <value>The default is 64 (<see cref="DefaultMaxCallsInFlight"/>), the load generator's default window. From 1 to 1,048,576.</value>
    public int MaxCallsInFlight { get; set; } = DefaultMaxCallsInFlight;

    /// <summary>Gets or sets the size of the socket's receive buffer in bytes (<c>SO_RCVBUF</c>): room for the echoes of a burst of calls before the receive thread takes them.</summary>
    /// <value>
    /// The default is 8 MiB (<see cref="DefaultSocketBufferSize"/>). Linux caps what it grants at
    /// <c>net.core.rmem_max</c> (raise that with <c>sysctl</c> for more) and doubles it for its own bookkeeping.
    /// <see langword="null"/> keeps the operating system's default. Positive when set.
    /// </value>
    public int? ReceiveBufferSize { get; set; } = DefaultSocketBufferSize;

    /// <summary>Gets or sets the size of the socket's send buffer in bytes (<c>SO_SNDBUF</c>).</summary>
    /// <value>
    /// The default is 8 MiB (<see cref="DefaultSocketBufferSize"/>); Linux caps it at <c>net.core.wmem_max</c>.
    /// <see langword="null"/> keeps the operating system's default. Positive when set.
    /// </value>
    public int? SendBufferSize { get; set; } = DefaultSocketBufferSize;

    /// <summary>Gets or sets how an echo is matched to its call: by its exact bytes, or by a tag the client adds in front of the payload.</summary>
    /// <value>The default is <see cref="UdpEchoMatching.ExactBytes"/>: the datagram is the payload, unchanged.</value>
    public UdpEchoMatching Matching { get; set; } = UdpEchoMatching.ExactBytes;

    /// <summary>Gets or sets the local endpoint to bind the client's socket to, for example to pick a source port.</summary>
    /// <value>The default is <see langword="null"/>: any address of the right family, and a port the operating system picks.</value>
    public IPEndPoint? LocalEndPoint { get; set; }

    /// <summary>Gets or sets the time source for timeouts and round-trip times; tests replace it to control time.</summary>
    /// <value>The default is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Checks every option and throws for the first invalid one.</summary>
    /// <exception cref="ArgumentException">An option is invalid. The message names the option and its value.</exception>
    public void Validate()
    {
        RemoteEndPoints.Validate(RemoteEndPoint, $"{nameof(UdpEchoClientOptions)}.{nameof(RemoteEndPoint)}");

        if (Timeout != System.Threading.Timeout.InfiniteTimeSpan && (Timeout <= TimeSpan.Zero || Timeout > MaxTimeout))
        {
            throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, $"{nameof(UdpEchoClientOptions)}.{nameof(Timeout)} must be positive and at most {MaxTimeout}, or Timeout.InfiniteTimeSpan; it was {Timeout}.");
        }

        if (Retries is < 0 or > MaxRetries)
        {
            throw new ArgumentOutOfRangeException(nameof(Retries), Retries, $"{nameof(UdpEchoClientOptions)}.{nameof(Retries)} must be from 0 to {MaxRetries}; it was {Retries}.");
        }

        if (double.IsNaN(RetryBackoff) || RetryBackoff is < 1 or > MaxRetryBackoff)
        {
            throw new ArgumentOutOfRangeException(nameof(RetryBackoff), RetryBackoff, $"{nameof(UdpEchoClientOptions)}.{nameof(RetryBackoff)} must be from 1 to {MaxRetryBackoff}; it was {RetryBackoff.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (double.IsNaN(RetryJitter) || RetryJitter is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(RetryJitter), RetryJitter, $"{nameof(UdpEchoClientOptions)}.{nameof(RetryJitter)} must be from 0 to 1; it was {RetryJitter.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (MaxCallsInFlight is < 1 or > MaxCallsInFlightLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxCallsInFlight), MaxCallsInFlight, $"{nameof(UdpEchoClientOptions)}.{nameof(MaxCallsInFlight)} must be from 1 to {MaxCallsInFlightLimit}; it was {MaxCallsInFlight}.");
        }

        if (ReceiveBufferSize is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ReceiveBufferSize), ReceiveBufferSize, $"{nameof(UdpEchoClientOptions)}.{nameof(ReceiveBufferSize)} must be positive when set; it was {ReceiveBufferSize}.");
        }

        if (SendBufferSize is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(SendBufferSize), SendBufferSize, $"{nameof(UdpEchoClientOptions)}.{nameof(SendBufferSize)} must be positive when set; it was {SendBufferSize}.");
        }

        if (Matching is not (UdpEchoMatching.ExactBytes or UdpEchoMatching.Tagged))
        {
            throw new ArgumentOutOfRangeException(nameof(Matching), Matching, $"{nameof(UdpEchoClientOptions)}.{nameof(Matching)} must be {nameof(UdpEchoMatching.ExactBytes)} or {nameof(UdpEchoMatching.Tagged)}; it was {(int)Matching}.");
        }

        if (LocalEndPoint is not null && RemoteEndPoint is IPEndPoint remote && LocalEndPoint.AddressFamily != remote.AddressFamily)
        {
            throw new ArgumentException($"{nameof(UdpEchoClientOptions)}.{nameof(LocalEndPoint)} {LocalEndPoint} is not of the same address family as {nameof(RemoteEndPoint)} {remote}.", nameof(LocalEndPoint));
        }

        if (TimeProvider is null)
        {
            throw new ArgumentException($"{nameof(UdpEchoClientOptions)}.{nameof(TimeProvider)} must be set.", nameof(TimeProvider));
        }
    }

    internal UdpEchoClientOptions Clone() => (UdpEchoClientOptions)MemberwiseClone();
}
