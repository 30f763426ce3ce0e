using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace UdpEcho.Transport;

/// <summary>Reads the kernel's table of UDP sockets (<c>/proc/net/udp</c>, <c>/proc/net/udp6</c>) on Linux.</summary>
internal static class KernelSockets
{
    /// <summary>
    /// Whether a socket other than <paramref name="ours"/> is bound to <paramref name="endPoint"/>'s port on the same
    /// address, or where either address is a wildcard. <see langword="false"/> where the table cannot be read.
    /// </summary>
    public static bool OthersOn(IPEndPoint endPoint, Socket[] ours)
    {
        try
        {
            var inodes = ours.Select(Inode).ToHashSet();
            return Bound(endPoint).Any(inode => !inodes.Contains(inode));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return false;
        }
    }

    /// <summary>The inode numbers of the sockets bound to <paramref name="endPoint"/>'s port on an address that overlaps its own.</summary>
    private static IEnumerable<string> Bound(IPEndPoint endPoint)
    {
        foreach (var table in new[] { "/proc/net/udp", "/proc/net/udp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }

            // "sl local_address rem_address st tx_queue rx_queue tr tm->when retrnsmt uid timeout inode ..."
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var local = fields[1].Split(':');
                if (int.Parse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == endPoint.Port && Overlaps(ParseAddress(local[0]), endPoint.Address))
                {
                    yield return fields[9];
                }
            }
        }
    }

    /// <summary>An address as the table prints it: 32-bit words in hexadecimal, each in the machine's byte order.</summary>
    private static IPAddress ParseAddress(string hex)
    {
        var bytes = new byte[hex.Length / 2];
        for (var word = 0; word < hex.Length / 8; word++)
        {
            var value = uint.Parse(hex.AsSpan(word * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            BitConverter.TryWriteBytes(bytes.AsSpan(word * 4), value);
        }

        return new IPAddress(bytes);
    }

    private static bool Overlaps(IPAddress a, IPAddress b)
    {
        static IPAddress Plain(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        static bool Wildcard(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);
        a = Plain(a);
        b = Plain(b);
        return a.Equals(b) || Wildcard(a) || Wildcard(b);
    }

    /// <summary>A socket's inode, from its descriptor's link in <c>/proc/self/fd</c> ("socket:[12345]").</summary>
    private static string Inode(Socket socket)
    {
        var target = new FileInfo($"/proc/self/fd/{socket.SafeHandle.DangerousGetHandle()}").LinkTarget ?? string.Empty;
        var open = target.IndexOf('[', StringComparison.Ordinal);
        return open < 0 ? target : target[(open + 1)..^1];
    }
}
