using System.Net.Sockets;

namespace UdpEcho.Transport.Linux;

/// <summary>Linux errno values as the rest of the library speaks of them.</summary>
internal static class Errors
{
    /// <summary>Maps the errno values a UDP socket can report to <see cref="SocketError"/> (the same on every architecture .NET runs on Linux); anything else is <see cref="SocketError.SocketError"/>.</summary>
    public static SocketError ToSocketError(int errno) => errno switch
    {
        1 or 13 => SocketError.AccessDenied, // EPERM (a firewall's verdict), EACCES (a broadcast destination)
        4 => SocketError.Interrupted, // EINTR
        11 => SocketError.WouldBlock, // EAGAIN
        12 or 105 => SocketError.NoBufferSpaceAvailable, // ENOMEM, ENOBUFS
        22 => SocketError.InvalidArgument, // EINVAL
        90 => SocketError.MessageSize, // EMSGSIZE
        97 => SocketError.AddressFamilyNotSupported, // EAFNOSUPPORT
        99 => SocketError.AddressNotAvailable, // EADDRNOTAVAIL
        100 => SocketError.NetworkDown, // ENETDOWN
        101 => SocketError.NetworkUnreachable, // ENETUNREACH
        102 => SocketError.NetworkReset, // ENETRESET
        104 => SocketError.ConnectionReset, // ECONNRESET
        110 => SocketError.TimedOut, // ETIMEDOUT
        111 => SocketError.ConnectionRefused, // ECONNREFUSED
        112 => SocketError.HostDown, // EHOSTDOWN
        113 => SocketError.HostUnreachable, // EHOSTUNREACH
        _ => SocketError.SocketError,
    };

    /// <summary>Throws for errors that say the loop itself is broken (a closed or foreign descriptor, a bad pointer), which no retry can mend.</summary>
    public static void ThrowIfFatal(int errno)
    {
        if (errno is 9 or 14 or 88) // EBADF, EFAULT, ENOTSOCK
        {
            throw new SocketException((int)SocketError.NotSocket, $"The echo socket became unusable (errno {errno}).");
        }
    }
}
