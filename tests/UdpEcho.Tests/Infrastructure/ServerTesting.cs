using System.Net;
using System.Net.Sockets;

namespace UdpEcho.Tests.Infrastructure;

/// <summary>Small helpers shared by the server tests.</summary>
internal static class ServerTesting
{
    /// <summary>
    /// Creates a server on a free loopback port (unless <paramref name="options"/> says otherwise) and starts it. Unless
    /// the options ask for more, it has one receive loop, so that one sender's echoes keep their order (the default
    /// would give several on a machine with eight processors or more).
    /// </summary>
    public static async Task<UdpEchoServer> StartServerAsync(UdpEchoServerOptions? options = null)
    {
        options ??= new UdpEchoServerOptions { Address = IPAddress.Loopback, Port = 0 };
        options.ReceiveLoops ??= 1;
        var server = new UdpEchoServer(options);
        try
        {
            await server.StartAsync().WaitAsync(TestTimeouts.Await);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>The endpoint a client of <paramref name="family"/> sends to, for a server bound to a wildcard or loopback address.</summary>
    public static IPEndPoint Target(this IUdpEchoServer server, AddressFamily family = AddressFamily.InterNetwork)
    {
        var local = server.LocalEndPoint ?? throw new InvalidOperationException("The server is not running.");
        var address = family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        return new IPEndPoint(address, local.Port);
    }

    /// <summary>Reproducible pseudo-random bytes: the same size and seed always give the same payload.</summary>
    public static byte[] RandomPayload(int size, int seed = 0)
    {
        var payload = new byte[size];
        new Random(HashCode.Combine(size, seed)).NextBytes(payload);
        return payload;
    }
}
