using System.Net;
using System.Net.Sockets;

namespace UdpEcho.Benchmarks;

/// <summary>
/// The naive .NET echo server that whole-system/compare.sh measures <c>udpecho serve</c> against: the loop people
/// write first, <see cref="Socket.ReceiveFromAsync(Memory{byte}, SocketFlags, EndPoint, CancellationToken)"/> then
/// <see cref="Socket.SendToAsync(ReadOnlyMemory{byte}, SocketFlags, EndPoint, CancellationToken)"/>, and nothing else.
/// Left exactly that plain on purpose: it is the yardstick, not something to tune.
/// </summary>
internal static class NaiveEchoServer
{
    public static async Task RunAsync(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
        Console.WriteLine($"naive-echo on {socket.LocalEndPoint}");

        var buffer = new byte[65536];
        EndPoint anyone = new IPEndPoint(IPAddress.Any, 0);
        while (true)
        {
            var received = await socket.ReceiveFromAsync(buffer.AsMemory(), SocketFlags.None, anyone);
            await socket.SendToAsync(buffer.AsMemory(0, received.ReceivedBytes), SocketFlags.None, received.RemoteEndPoint);
        }
    }
}
