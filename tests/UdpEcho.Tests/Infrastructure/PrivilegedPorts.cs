using System.Net;
using System.Net.Sockets;

namespace UdpEcho.Tests.Infrastructure;

/// <summary>Client sockets bound to a source port below 1024, to exercise the echo-loop defence. Needs root (as the tests and CI run).</summary>
internal static class PrivilegedPorts
{
    // Echo and chargen first: the loop that CERT CA-1996-01 describes. Then quiet ports, in case one is taken.
    private static readonly int[] Candidates = [7, 19, 13, 37, 9, 17, 600, 700, 800, 900, 1000, 1010];

    /// <summary>Binds a <see cref="RawUdpSocket"/>-like socket to <paramref name="address"/> on a free port below 1024.</summary>
    public static Socket Bind(IPAddress address)
    {
        foreach (var port in Candidates)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                socket.Bind(new IPEndPoint(address, port));
                return socket;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                socket.Dispose();
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw new InvalidOperationException($"No free source port below 1024 on {address}.");
    }
}
