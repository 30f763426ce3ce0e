using System.Net;
using System.Net.Sockets;

namespace UdpEcho.Tests.Samples;

/// <summary>Ports for programs that must be told one on their command line and cannot report what they bound.</summary>
internal static class LoopbackPorts
{
    /// <summary>Returns a UDP port that was free a moment ago: the OS picks it for a throwaway socket, which is then closed.</summary>
    public static int GetFreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
