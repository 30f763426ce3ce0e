using System.Net;
using System.Net.Sockets;

namespace UdpEcho;

/// <summary>Configures a <see cref="UdpEchoServer"/>. The server takes a copy when it is created: later changes do not affect it.</summary>
public sealed class UdpEchoServerOptions
{
    /// <summary>The largest payload a UDP datagram can carry over IPv4: 65,535 minus the 20-byte IP header and 8-byte UDP header.</summary>
    public const int MaxIPv4DatagramSize = 65507;

    /// <summary>The largest payload a UDP datagram can carry over IPv6 without jumbograms: 65,535 minus the 8-byte UDP header.</summary>
    public const int MaxIPv6DatagramSize = 65527;

    /// <summary>Gets or sets the local address to bind.</summary>
    /// <value>
    /// The default is <see cref="IPAddress.Loopback"/>, so that a server is reachable from other machines only when asked.
    /// Use <see cref="IPAddress.Any"/> for every IPv4 interface, or <see cref="IPAddress.IPv6Any"/> with <see cref="DualMode"/> for both families.
    /// </value>
    public IPAddress Address { get; set; } = IPAddress.Loopback;

    /// <summary>Gets or sets the local port to bind, from 0 to 65535.</summary>
    /// <value>The default is 0: the operating system picks a free port, which <see cref="IUdpEchoServer.LocalEndPoint"/> then shows.</value>
    public int Port { get; set; }

    /// <summary>Gets or sets a value indicating whether an IPv6 socket also serves IPv4 (through IPv4-mapped addresses).</summary>
    /// <value>The default is <see langword="false"/>. It may only be <see langword="true"/> when <see cref="Address"/> is an IPv6 address.</value>
    public bool DualMode { get; set; }

    /// <summary>Gets or sets the largest datagram the server echoes, in bytes. Larger datagrams are dropped whole, never echoed in part, and counted in <see cref="UdpEchoServerStatistics.DroppedTooLarge"/>.</summary>
    /// <value>The default is 65,527 (<see cref="MaxIPv6DatagramSize"/>), so every datagram that UDP can carry is echoed. The allowed range is 0 to 65,527.</value>
    public int MaxDatagramSize { get; set; } = MaxIPv6DatagramSize;

    /// <summary>The receive and send buffer sizes a server asks for by default: 8 MiB, as QUIC stacks and the C reference servers do.</summary>
    public const int DefaultSocketBufferSize = 8 << 20;

    /// <summary>
    /// Gets or sets the receive buffer size in bytes (<c>SO_RCVBUF</c>) of each socket; a larger buffer absorbs longer
    /// bursts, and the kernel drops what does not fit (<see cref="UdpEchoServerStatistics.DroppedByKernel"/>).
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: ask for <see cref="DefaultSocketBufferSize"/>. The kernel may grant less (on
    /// Linux, at most <c>net.core.rmem_max</c>); the server then logs it once. When set, it must be positive.
    /// </value>
    public int? ReceiveBufferSize { get; set; }

    /// <summary>Gets or sets the send buffer size in bytes (<c>SO_SNDBUF</c>) of each socket.</summary>
    /// <value>
    /// The default is <see langword="null"/>: ask for <see cref="DefaultSocketBufferSize"/>. The kernel may grant less (on
    /// Linux, at most <c>net.core.wmem_max</c>); the server then logs it once. When set, it must be positive.
    /// </value>
    public int? SendBufferSize { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether datagrams from source port 0, ports below 1024, and port 2049 (NFS) are
    /// dropped. This is the echo-loop defence: a datagram forged "from" port 7 (echo) or 19 (chargen) of another
    /// server would otherwise bounce between the two for ever. Real clients send from ephemeral ports (1024 and up).
    /// </summary>
    /// <value>The default is <see langword="true"/>. Prefer <see cref="AllowedSourcePorts"/> to open single ports.</value>
    public bool FilterSourcePorts { get; set; } = true;

    /// <summary>
    /// Gets the source ports that <see cref="FilterSourcePorts"/> lets through anyway, for a client that really sends
    /// from a privileged port. Ports from 1024 up (except 2049) are always allowed, so listing them changes nothing.
    /// </summary>
    /// <value>The default is empty. Each port must be from 0 to 65535.</value>
    public IList<int> AllowedSourcePorts => _allowedSourcePorts;

    /// <summary>
    /// Gets or sets a value indicating whether datagrams from source addresses that cannot be a real sender are dropped:
    /// 0.0.0.0/8, multicast (224.0.0.0/4, ff00::/8), 240.0.0.0/4 and 255.255.255.255, the directed broadcast address of
    /// any local IPv4 subnet, the unspecified address <c>::</c>, IPv4-compatible IPv6 addresses, and loopback sources
    /// (127.0.0.0/8, ::1) on a server bound to a specific non-loopback address. IPv4-mapped IPv6 senders get the IPv4 rules.
    /// </summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool FilterSourceAddresses { get; set; } = true;

    /// <summary>
    /// Gets or sets the guard against echo loops between this server and another echo server or reflector: a source that
    /// keeps sending back exactly what it was just sent (16 times in a row, each within a second) gets no echo for 10
    /// seconds, so a loop started by one forged datagram stops within 16 bounces, whatever the ports. Datagrams from
    /// the server's own endpoint are always dropped, whatever this says.
    /// </summary>
    /// <value>
    /// The default is <see cref="UdpEchoLoopGuard.Automatic"/>: on when <see cref="Address"/> is not a loopback address
    /// (forged loops come from the network), off on loopback, where test harnesses send the same bytes back to back and
    /// would look exactly like a loop. See <c>docs/security.md</c> for the trade-off.
    /// </value>
    public UdpEchoLoopGuard LoopGuard { get; set; }

    /// <summary>Gets the networks allowed to get an echo. Datagrams from any other source are dropped. IPv4 networks also match IPv4-mapped IPv6 senders.</summary>
    /// <value>The default is empty: every source (that passes the other checks) is allowed.</value>
    public IList<IPNetwork> AllowedSources => _allowedSources;

    /// <summary>Gets or sets how many datagrams per second each source address may have echoed, on average; the rest are dropped.</summary>
    /// <value>The default is <see langword="null"/>: no limit, because benchmarks and test harnesses flood on purpose. When set, it must be positive.</value>
    public double? RateLimitPerSource { get; set; }

    /// <summary>Gets or sets how many datagrams a source may send at once, above <see cref="RateLimitPerSource"/>, before the limit bites.</summary>
    /// <value>The default is <see langword="null"/>: one second's worth, <see cref="RateLimitPerSource"/> rounded up (at least 1). When set, it must be positive.</value>
    public int? RateLimitBurst { get; set; }

    /// <summary>Gets or sets how many datagrams per second the server echoes in total, from all sources together; bursts of up to one second's worth pass.</summary>
    /// <value>The default is <see langword="null"/>: no limit. When set, it must be positive.</value>
    public double? GlobalRateLimit { get; set; }

    /// <summary>
    /// Gets or sets how many source addresses the per-source rate limit remembers. When the table is full, a new
    /// source evicts the oldest, so that a flood from spoofed addresses costs a bounded amount of memory (about 64 bytes per entry).
    /// </summary>
    /// <value>The default is 65,536. The allowed range is 1 to 16,777,216.</value>
    public int RateLimitMaxSources { get; set; } = 65536;

    /// <summary>Gets or sets the clock the rate limits, delays and shutdown timeout run on; tests pass a fake one.</summary>
    /// <value>The default is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets the impairment simulation: loss, delay, jitter, duplicates and reordering of echoes, for testing clients against a bad network.</summary>
    /// <value>The default has everything off; the echo path is then exactly as without it.</value>
    public UdpEchoImpairmentOptions Impairment { get; set; } = new();

    /// <summary>Gets or sets how long <see cref="IUdpEchoServer.StopAsync"/> waits for delayed echoes (see <see cref="Impairment"/>) to be sent. The rest are dropped and counted in <see cref="UdpEchoServerStatistics.DroppedAtShutdown"/>.</summary>
    /// <value>The default is 5 seconds. The allowed range is 0 to 1 hour.</value>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets whether the server is a STAMP (RFC 8762, with RFC 8972's session identifier) Session-Reflector in
    /// unauthenticated mode instead of a plain echo server. A reflector answers each test packet of 44 bytes or more with
    /// a reflected packet of the same length: its own sequence number (stateful) or the sender's (stateless), its receive
    /// and transmit timestamps (NTP format), the sender's sequence number, timestamp and error estimate, and the TTL or
    /// hop limit the packet arrived with. Bytes past the first 44 come back unchanged (TLVs are not processed). Shorter
    /// datagrams are dropped and counted in <see cref="UdpEchoServerStatistics.DroppedTooShort"/>. The loop guard, the
    /// source checks, the rate limits and the impairment simulation apply as in echo mode. See <c>docs/stamp.md</c>.
    /// </summary>
    /// <value>The default is <see cref="UdpEchoStampMode.None"/>: a plain echo server. STAMP's own port is 862.</value>
    public UdpEchoStampMode StampMode { get; set; }

    /// <summary>Gets or sets which engine moves the datagrams. Every engine behaves alike; <see cref="UdpEchoServerEngine.Batched"/> is the fastest where it exists.</summary>
    /// <value>The default is <see cref="UdpEchoServerEngine.Automatic"/>: batched on 64-bit Linux, portable elsewhere.</value>
    public UdpEchoServerEngine Engine { get; set; }

    /// <summary>
    /// Gets or sets how many receive loops serve the endpoint. More loops echo more datagrams per second when the machine
    /// has cores to spare, and none while it has not.
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: one loop per four processors, at least one (so one loop on a machine with up
    /// to seven processors, which leaves cores for the rest of the application). When set, it must be from 1 to 64.
    /// </value>
    /// <remarks>
    /// On Linux each loop has a socket of its own, bound to the same endpoint as a <c>SO_REUSEPORT</c> group: the kernel
    /// sends each sender's datagrams (by address and port) to one socket, so every sender's datagrams are still received,
    /// echoed and raised in order, and loops share no state on the per-datagram path. Elsewhere (the portable engine on
    /// Windows or macOS) the loops share one socket: <see cref="IUdpEchoServer.MessageReceived"/> handlers still never
    /// overlap, but one sender's datagrams may then be echoed and raised out of order. Use one loop where that matters.
    /// </remarks>
    public int? ReceiveLoops { get; set; }

    internal IPEndPoint EndPoint => new(Address, Port);

    internal int EffectiveReceiveLoops => ReceiveLoops ?? Math.Max(1, Environment.ProcessorCount / 4);

    internal int EffectiveReceiveBufferSize => ReceiveBufferSize ?? DefaultSocketBufferSize;

    internal int EffectiveSendBufferSize => SendBufferSize ?? DefaultSocketBufferSize;

    internal double EffectiveRateLimitBurst => RateLimitBurst ?? Math.Max(1, Math.Ceiling(RateLimitPerSource ?? 1));

    private List<int> _allowedSourcePorts = [];
    private List<IPNetwork> _allowedSources = [];

    /// <summary>Checks every option and throws for the first invalid one.</summary>
    /// <exception cref="ArgumentException">An option is invalid. The message names the option and its value.</exception>
    public void Validate()
    {
        if (Address is null)
        {
            throw new ArgumentException($"{nameof(UdpEchoServerOptions)}.{nameof(Address)} must be set.", nameof(Address));
        }

        if (Address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentException($"{nameof(UdpEchoServerOptions)}.{nameof(Address)} must be an IPv4 or IPv6 address; it was {Address} ({Address.AddressFamily}).", nameof(Address));
        }

        if (Port is < IPEndPoint.MinPort or > IPEndPoint.MaxPort)
        {
            throw new ArgumentOutOfRangeException(nameof(Port), Port, $"{nameof(UdpEchoServerOptions)}.{nameof(Port)} must be from 0 to 65535; it was {Port}.");
        }

        if (DualMode && Address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException($"{nameof(UdpEchoServerOptions)}.{nameof(DualMode)} requires an IPv6 {nameof(Address)}; it was {Address}.", nameof(DualMode));
        }

        if (MaxDatagramSize is < 0 or > MaxIPv6DatagramSize)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDatagramSize), MaxDatagramSize, $"{nameof(UdpEchoServerOptions)}.{nameof(MaxDatagramSize)} must be from 0 to {MaxIPv6DatagramSize}; it was {MaxDatagramSize}.");
        }

        if (ReceiveBufferSize is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ReceiveBufferSize), ReceiveBufferSize, $"{nameof(UdpEchoServerOptions)}.{nameof(ReceiveBufferSize)} must be positive when set; it was {ReceiveBufferSize}.");
        }

        if (SendBufferSize is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(SendBufferSize), SendBufferSize, $"{nameof(UdpEchoServerOptions)}.{nameof(SendBufferSize)} must be positive when set; it was {SendBufferSize}.");
        }

        if (!Enum.IsDefined(LoopGuard))
        {
            throw OutOfRange(nameof(LoopGuard), LoopGuard, "must be Automatic, On or Off");
        }

        if (!Enum.IsDefined(StampMode))
        {
            throw OutOfRange(nameof(StampMode), StampMode, "must be None, Stateless or Stateful");
        }

        if (!Enum.IsDefined(Engine))
        {
            throw OutOfRange(nameof(Engine), Engine, "must be Automatic, Portable or Batched");
        }

        if (ReceiveLoops is < 1 or > 64)
        {
            throw OutOfRange(nameof(ReceiveLoops), ReceiveLoops, "must be from 1 to 64 when set");
        }

        foreach (var port in _allowedSourcePorts)
        {
            if (port is < IPEndPoint.MinPort or > IPEndPoint.MaxPort)
            {
                throw OutOfRange(nameof(AllowedSourcePorts), port, "may only hold ports from 0 to 65535");
            }
        }

        foreach (var network in _allowedSources)
        {
            if (network.BaseAddress is null)
            {
                throw new ArgumentException($"{nameof(UdpEchoServerOptions)}.{nameof(AllowedSources)} holds an empty network (default(IPNetwork)); use IPNetwork.Parse(\"10.0.0.0/8\").", nameof(AllowedSources));
            }
        }

        if (RateLimitPerSource is { } perSource && !(perSource > 0 && double.IsFinite(perSource)))
        {
            throw OutOfRange(nameof(RateLimitPerSource), perSource, "must be a positive number of datagrams per second when set");
        }

        if (RateLimitBurst is <= 0)
        {
            throw OutOfRange(nameof(RateLimitBurst), RateLimitBurst, "must be positive when set");
        }

        if (GlobalRateLimit is { } global && !(global > 0 && double.IsFinite(global)))
        {
            throw OutOfRange(nameof(GlobalRateLimit), global, "must be a positive number of datagrams per second when set");
        }

        if (RateLimitMaxSources is < 1 or > 1 << 24)
        {
            throw OutOfRange(nameof(RateLimitMaxSources), RateLimitMaxSources, "must be from 1 to 16777216");
        }

        if (Impairment is null)
        {
            throw new ArgumentException($"{nameof(UdpEchoServerOptions)}.{nameof(Impairment)} must be set (an empty one means no impairment).", nameof(Impairment));
        }

        Impairment.Validate($"{nameof(UdpEchoServerOptions)}.{nameof(Impairment)}");

        if (ShutdownTimeout < TimeSpan.Zero || ShutdownTimeout > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(ShutdownTimeout), ShutdownTimeout, $"{nameof(UdpEchoServerOptions)}.{nameof(ShutdownTimeout)} must be from 0 to 1 hour; it was {ShutdownTimeout}.");
        }

        if (TimeProvider is null)
        {
            throw new ArgumentException($"{nameof(UdpEchoServerOptions)}.{nameof(TimeProvider)} must be set.", nameof(TimeProvider));
        }
    }

    internal UdpEchoServerOptions Clone()
    {
        var clone = (UdpEchoServerOptions)MemberwiseClone();
        clone._allowedSourcePorts = [.. _allowedSourcePorts];
        clone._allowedSources = [.. _allowedSources];
        clone.Impairment = Impairment.Clone();
        return clone;
    }

    private static ArgumentOutOfRangeException OutOfRange<T>(string name, T value, string rule) =>
        new(name, value, $"{nameof(UdpEchoServerOptions)}.{name} {rule}; it was {Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)}.");
}
