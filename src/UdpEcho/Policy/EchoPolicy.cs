using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace UdpEcho.Policy;

/// <summary>
/// Decides, for one received datagram, whether the server echoes it. Checks run cheapest first: source port (the
/// echo-loop defence), source address sanity, the allow-list, then the rate limits (last, so that a datagram dropped
/// for another reason spends no token). Works on raw <c>sockaddr</c> bytes and allocates nothing per datagram, so
/// any socket engine can call it.
/// </summary>
/// <remarks>
/// Thread-safe: the rate-limit state is behind a lock, taken only when a rate limit is configured.
/// </remarks>
internal sealed class EchoPolicy
{
    /// <summary>NFS. OpenBSD inetd's <c>dg_badinput</c> refuses it too: a forged echo to an NFS server's port is an attack vector.</summary>
    public const int NfsPort = 2049;

    // One bit per port 0..2049 that is dropped unless allowed: 0..1023 and 2049.
    private readonly ulong[] _blockedPorts = new ulong[(NfsPort / 64) + 1];
    private readonly bool _filterPorts;
    private readonly bool _filterAddresses;
    private readonly bool _loopbackSourcesArrive;
    private readonly UInt128[] _broadcasts;
    private readonly (UInt128 Base, UInt128 Mask)[] _allowed;
    private readonly RateLimitTable? _perSource;
    private readonly TokenBucket[]? _global;
    private readonly double _globalTokensPerTick;
    private readonly double _globalBurst;
    private readonly object _rateGate = new();

    public EchoPolicy(UdpEchoServerOptions options, IPAddress boundAddress, long timestampFrequency, long now, IEnumerable<IPAddress>? broadcastAddresses = null)
    {
        _filterPorts = options.FilterSourcePorts;
        if (_filterPorts)
        {
            for (var port = 0; port < 1024; port++)
            {
                SetBlocked(port);
            }

            SetBlocked(NfsPort);
            foreach (var port in options.AllowedSourcePorts)
            {
                if (port <= NfsPort)
                {
                    _blockedPorts[port >> 6] &= ~(1UL << (port & 63));
                }
            }
        }

        _filterAddresses = options.FilterSourceAddresses;
        _loopbackSourcesArrive = LoopbackSourcesArrive(boundAddress);
        _broadcasts = broadcastAddresses is null ? [.. DirectedBroadcasts()] : [.. broadcastAddresses.Select(SourceAddress.ToKey)];
        _allowed = [.. options.AllowedSources.Select(SourceAddress.ToKeyRange)];

        if (options.RateLimitPerSource is double perSource)
        {
            _perSource = new RateLimitTable(options.RateLimitMaxSources, perSource, options.EffectiveRateLimitBurst, timestampFrequency);
        }

        if (options.GlobalRateLimit is double global)
        {
            _globalBurst = Math.Max(1, Math.Ceiling(global));
            _globalTokensPerTick = global / timestampFrequency;
            _global = [TokenBucket.Full(_globalBurst, now)];
        }
    }

    /// <summary>Gets a value indicating whether the policy checks anything at all; when not, the server skips it.</summary>
    public bool IsActive => _filterPorts || _filterAddresses || _allowed.Length > 0 || UsesTime;

    /// <summary>Gets a value indicating whether <see cref="Check"/> needs a real timestamp (a rate limit is on).</summary>
    public bool UsesTime => _perSource is not null || _global is not null;

    /// <summary>Gets the number of sources in the per-source rate-limit table.</summary>
    public int TrackedSources
    {
        get
        {
            lock (_rateGate)
            {
                return _perSource?.Count ?? 0;
            }
        }
    }

    /// <summary>Decides about one datagram.</summary>
    /// <param name="sockaddr">The sender, as raw <c>sockaddr_in</c> or <c>sockaddr_in6</c> bytes (see <see cref="SourceAddress"/>).</param>
    /// <param name="timestamp">Now, from the server's <see cref="TimeProvider"/>; only read when a rate limit is on.</param>
    /// <returns><see cref="DropReason.None"/> to echo, otherwise why not.</returns>
    public DropReason Check(ReadOnlySpan<byte> sockaddr, long timestamp)
    {
        if (!SourceAddress.TryRead(sockaddr, out var port, out var address))
        {
            return DropReason.SourceAddress;
        }

        if (_filterPorts && port <= NfsPort && (_blockedPorts[port >> 6] & (1UL << (port & 63))) != 0)
        {
            return DropReason.SourcePort;
        }

        if (_filterAddresses && IsBadSource(address))
        {
            return DropReason.SourceAddress;
        }

        if (_allowed.Length > 0 && !IsAllowed(address))
        {
            return DropReason.NotAllowed;
        }

        if (_perSource is not null || _global is not null)
        {
            lock (_rateGate)
            {
                if (_perSource is not null && !_perSource.TryTake(address, timestamp))
                {
                    return DropReason.RateLimited;
                }

                if (_global is not null && !_global[0].TryTake(timestamp, _globalTokensPerTick, _globalBurst))
                {
                    return DropReason.RateLimited;
                }
            }
        }

        return DropReason.None;
    }

    /// <summary>
    /// Whether a datagram from 127.0.0.0/8 or ::1 can have arrived on the loopback interface. The server does not ask
    /// the kernel which interface a datagram came in on (no <c>IP_PKTINFO</c>), but Linux drops such sources on any
    /// other interface as martians, and a socket bound to one non-loopback address only hears that address: so a
    /// loopback source is genuine on a loopback or wildcard socket, and forged on a socket bound elsewhere.
    /// </summary>
    internal static bool LoopbackSourcesArrive(IPAddress bound)
    {
        if (bound.IsIPv4MappedToIPv6)
        {
            bound = bound.MapToIPv4();
        }

        return IPAddress.IsLoopback(bound) || bound.Equals(IPAddress.Any) || bound.Equals(IPAddress.IPv6Any);
    }

    private bool IsBadSource(UInt128 address)
    {
        if (SourceAddress.IsIPv4(address))
        {
            var v4 = (uint)address;
            var first = v4 >> 24;
            if (first == 0 || first >= 224)
            {
                // 0.0.0.0/8 ("this network"), 224.0.0.0/4 multicast, 240.0.0.0/4 reserved, 255.255.255.255 broadcast.
                return true;
            }

            if (first == 127)
            {
                return !_loopbackSourcesArrive;
            }
        }
        else
        {
            var high = (ulong)(address >> 64);
            if (high >> 56 == 0xFF)
            {
                return true; // ff00::/8 multicast.
            }

            if (address == UInt128.One)
            {
                return !_loopbackSourcesArrive; // ::1
            }

            if (address >> 32 == UInt128.Zero)
            {
                return true; // :: (unspecified) and the deprecated IPv4-compatible ::a.b.c.d.
            }
        }

        foreach (var broadcast in _broadcasts)
        {
            if (address == broadcast)
            {
                return true;
            }
        }

        return false;
    }

    private bool IsAllowed(UInt128 address)
    {
        foreach (var (network, mask) in _allowed)
        {
            if ((address & mask) == network)
            {
                return true;
            }
        }

        return false;
    }

    private void SetBlocked(int port) => _blockedPorts[port >> 6] |= 1UL << (port & 63);

    /// <summary>The directed broadcast address of every IPv4 subnet this machine is on, read once when the server starts.</summary>
    private static List<UInt128> DirectedBroadcasts()
    {
        var result = new List<UInt128>();
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                {
                    if (unicast.Address.AddressFamily != AddressFamily.InterNetwork || unicast.PrefixLength is <= 0 or >= 31)
                    {
                        continue;
                    }

                    result.Add(SourceAddress.ToKey(unicast.Address) | (uint.MaxValue >> unicast.PrefixLength));
                }
            }
        }
#pragma warning disable CA1031 // Interface enumeration is a best effort (some sandboxes refuse it); 255.255.255.255 and the other checks remain.
        catch (Exception e) when (e is NetworkInformationException or PlatformNotSupportedException or UnauthorizedAccessException)
#pragma warning restore CA1031
        {
        }

        return result;
    }
}
