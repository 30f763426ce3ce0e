using System.Net;
using System.Net.Sockets;
using UdpEcho.Transport;

namespace UdpEcho;

/// <summary>Configures a <see cref="UdpEchoClient"/>. The client takes a copy when it is created: later changes do not affect it.</summary>
public sealed class UdpEchoClientOptions
{
    /// <summary>The longest <see cref="Timeout"/> allowed: about 24.8 days, the longest a timer can wait.</summary>
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromMilliseconds(int.MaxValue);

    /// <summary>The most <see cref="Retries"/> allowed.</summary>
    public const int MaxRetries = 1000;

    /// <summary>Gets or sets the echo server to talk to: an <see cref="IPEndPoint"/>, or a <see cref="DnsEndPoint"/> whose host name is resolved once, asynchronously, on first use.</summary>
    /// <value>There is no default: it must be set.</value>
    public EndPoint? RemoteEndPoint { get; set; }

    /// <summary>Gets or sets how long each attempt waits for the echo.</summary>
    /// <value>The default is 1 second. It must be positive, or <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> to wait forever.</value>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how many more times a datagram is sent after an attempt timed out.</summary>
    /// <value>The default is 0: one attempt. The allowed range is 0 to 1000.</value>
    public int Retries { get; set; }

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
