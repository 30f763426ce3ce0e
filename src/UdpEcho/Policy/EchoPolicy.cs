using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using UdpEcho.Addressing;

namespace UdpEcho.Policy;

/// <summary>
/// Decides, from its source alone, whether a received datagram may be echoed: not from the server's own endpoint (a
/// self-loop), not from a reserved source port (the echo-loop defence), not from a source address that cannot be a real
/// sender, and from an allowed network. Checks run cheapest first. Works on raw <c>sockaddr</c> bytes, allocates
/// nothing and keeps no state, so every receive loop calls the same instance without a lock.
/// </summary>
/// <remarks>One instance per server run: the bound port and the machine's addresses are read when the server binds.</remarks>
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
    private readonly int _boundPort;
    private readonly bool _boundWildcard;
    private readonly UInt128 _boundAddress;
    private readonly UInt128[] _localAddresses;

    /// <param name="options">The server's options.</param>
    /// <param name="bound">The endpoint the server is bound to, with its real port.</param>
    /// <param name="interfaces">The machine's interface addresses and their prefix lengths; <see langword="null"/> to read them now.</param>
    public EchoPolicy(UdpEchoServerOptions options, IPEndPoint bound, IEnumerable<(IPAddress Address, int PrefixLength)>? interfaces = null)
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

        var addresses = (interfaces ?? InterfaceAddresses()).ToList();
        _filterAddresses = options.FilterSourceAddresses;
        _loopbackSourcesArrive = LoopbackSourcesArrive(bound.Address);
        _broadcasts = [.. DirectedBroadcasts(addresses)];
        _allowed = [.. options.AllowedSources.Select(SourceAddress.ToKeyRange)];
        _boundPort = bound.Port;
        _boundAddress = SourceAddress.ToKey(bound.Address);
        _boundWildcard = bound.Address.Equals(IPAddress.Any) || bound.Address.Equals(IPAddress.IPv6Any);
        _localAddresses = [.. addresses.Select(a => SourceAddress.ToKey(a.Address)).Distinct()];
    }

    /// <summary>Decides about one datagram's source.</summary>
    /// <param name="sockaddr">The sender, as raw <c>sockaddr_in</c> or <c>sockaddr_in6</c> bytes (see <see cref="SourceAddress"/>).</param>
    /// <param name="port">The source port, for the checks that come after this one.</param>
    /// <param name="address">The source address (IPv4 as IPv4-mapped), for the checks that come after this one.</param>
    /// <returns><see cref="DropReason.None"/> to go on, otherwise why not.</returns>
    public DropReason Check(ReadOnlySpan<byte> sockaddr, out ushort port, out UInt128 address)
    {
        if (!SourceAddress.TryRead(sockaddr, out port, out address))
        {
            return DropReason.SourceAddress;
        }

        // Nothing legitimate sends from the server's own endpoint: an echo to it would come straight back, for ever.
        if (port == _boundPort && IsSelf(address))
        {
            return DropReason.LoopGuard;
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

    /// <summary>Whether <paramref name="address"/> is one of the server's own: the bound address, or on a wildcard bind any local one.</summary>
    private bool IsSelf(UInt128 address)
    {
        if (!_boundWildcard)
        {
            return address == _boundAddress;
        }

        if (IsLoopback(address))
        {
            return true;
        }

        foreach (var local in _localAddresses)
        {
            if (address == local)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsLoopback(UInt128 address) =>
        address == UInt128.One || (SourceAddress.IsIPv4(address) && ((uint)address >> 24) == 127);

    private bool IsBadSource(UInt128 address)
    {
        // Directed broadcasts first: the loopback network's own, 127.255.255.255, is one of them.
        foreach (var broadcast in _broadcasts)
        {
            if (address == broadcast)
            {
                return true;
            }
        }

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

            return false;
        }

        var high = (ulong)(address >> 64);
        if (high >> 56 == 0xFF)
        {
            return true; // ff00::/8 multicast.
        }

        if (address == UInt128.One)
        {
            return !_loopbackSourcesArrive; // ::1
        }

        // :: (unspecified) and the deprecated IPv4-compatible ::a.b.c.d.
        return address >> 32 == UInt128.Zero;
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

    /// <summary>The directed broadcast address of every IPv4 subnet among <paramref name="interfaces"/> (127.255.255.255 always).</summary>
    private static IEnumerable<UInt128> DirectedBroadcasts(IEnumerable<(IPAddress Address, int PrefixLength)> interfaces)
    {
        var result = new HashSet<UInt128> { SourceAddress.MappedPrefix | 0x7FFF_FFFFu };
        foreach (var (address, prefixLength) in interfaces)
        {
            if (address.AddressFamily == AddressFamily.InterNetwork && prefixLength is > 0 and < 31)
            {
                result.Add(SourceAddress.ToKey(address) | (uint.MaxValue >> prefixLength));
            }
        }

        return result;
    }

    /// <summary>The machine's interface addresses, read when the server starts (for its broadcasts, and to know itself).</summary>
    private static List<(IPAddress Address, int PrefixLength)> InterfaceAddresses()
    {
        var result = new List<(IPAddress, int)>();
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                {
                    result.Add((unicast.Address, unicast.PrefixLength));
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
