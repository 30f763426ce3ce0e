using System.Net;
using System.Net.Sockets;
using UdpEcho;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configures a UDP echo health check, registered with <see cref="UdpEchoHealthChecksBuilderExtensions.AddUdpEcho"/>.</summary>
/// <remarks>
/// Each check sends <see cref="Count"/> echoes at once from a socket of its own and waits up to <see cref="Timeout"/> for
/// them. Only the exact echo of a datagram counts as its answer. The check is <c>failureStatus</c> (by default
/// Unhealthy) when no echo came back or more than <see cref="MaxLossPercent"/> were lost, Degraded when the median round
/// trip is above <see cref="DegradedRoundTripTime"/>, and Healthy otherwise.
/// </remarks>
public sealed class UdpEchoHealthCheckOptions
{
    /// <summary>Gets or sets the echo server to check: an <see cref="IPEndPoint"/>, or a <see cref="DnsEndPoint"/> resolved at each check.</summary>
    /// <value>There is no default: it must be set.</value>
    public EndPoint? RemoteEndPoint { get; set; }

    /// <summary>Gets or sets how many echoes each check sends.</summary>
    /// <value>The default is 3. The allowed range is 1 to 1000.</value>
    public int Count { get; set; } = 3;

    /// <summary>Gets or sets how long each echo may take. The echoes are sent together, so a check takes about this long at most.</summary>
    /// <value>The default is 1 second. It must be positive and at most 1 minute.</value>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the median round trip above which the check is Degraded.</summary>
    /// <value>The default is <see langword="null"/>: the round trip alone never degrades the check. When set, it must be positive.</value>
    public TimeSpan? DegradedRoundTripTime { get; set; }

    /// <summary>Gets or sets the share of echoes, in percent, that may be lost before the check fails.</summary>
    /// <value>The default is 0: any loss fails the check. The allowed range is 0 to 100; a check with no echo at all fails whatever it is.</value>
    public double MaxLossPercent { get; set; }

    internal UdpEchoHealthCheckOptions Clone() => (UdpEchoHealthCheckOptions)MemberwiseClone();

    /// <summary>Checks every option and throws for the first invalid one, naming it and its value.</summary>
    internal void Validate()
    {
        const string Name = nameof(UdpEchoHealthCheckOptions);
        switch (RemoteEndPoint)
        {
            case null:
                throw new ArgumentException($"{Name}.{nameof(RemoteEndPoint)} must be set to the echo server's endpoint.", nameof(RemoteEndPoint));
            case IPEndPoint { AddressFamily: not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6) } or IPEndPoint { Port: 0 } or DnsEndPoint { Port: 0 }:
                throw new ArgumentException($"{Name}.{nameof(RemoteEndPoint)} must be an IPv4 or IPv6 endpoint, or a host name, with a port from 1 to 65535; it was {RemoteEndPoint}.", nameof(RemoteEndPoint));
            case not (IPEndPoint or DnsEndPoint):
                throw new ArgumentException($"{Name}.{nameof(RemoteEndPoint)} must be an IPEndPoint or a DnsEndPoint; it was a {RemoteEndPoint.GetType().Name}.", nameof(RemoteEndPoint));
        }

        if (Count is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(Count), Count, $"{Name}.{nameof(Count)} must be from 1 to 1000; it was {Count}.");
        }

        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, $"{Name}.{nameof(Timeout)} must be positive and at most 1 minute; it was {Timeout}.");
        }

        if (DegradedRoundTripTime <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(DegradedRoundTripTime), DegradedRoundTripTime, $"{Name}.{nameof(DegradedRoundTripTime)} must be positive when set; it was {DegradedRoundTripTime}.");
        }

        if (!(MaxLossPercent is >= 0 and <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxLossPercent), MaxLossPercent, $"{Name}.{nameof(MaxLossPercent)} must be from 0 to 100; it was {MaxLossPercent.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
        }
    }
}
