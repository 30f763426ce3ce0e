using System.Net;
using System.Net.Sockets;
using UdpEcho.Tests.Infrastructure;
using UdpEcho.Transport;

namespace UdpEcho.Tests.Transport;

/// <summary>A SO_REUSEPORT group must never share its port with a socket that is not its own.</summary>
public sealed class ReusePortGroupTests
{
    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task OthersOn_AForeignSocketJoinedTheGroup_IsSeen(string address)
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // The kernel's table is Linux's.
        }

        var loopback = IPAddress.Parse(address);
        var group = UdpSockets.BindGroup(new IPEndPoint(loopback, 0), false, 2, 0, 0, out _);
        try
        {
            var endPoint = (IPEndPoint)group[0].LocalEndPoint!;
            Assert.False(KernelSockets.OthersOn(endPoint, group));

            // What another process of the same user could do between our probe and our bind.
            using var intruder = new Socket(loopback.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            UdpSockets.SetOption(intruder, 1, 15, 1); // SOL_SOCKET, SO_REUSEPORT
            intruder.Bind(endPoint);

            Assert.True(KernelSockets.OthersOn(endPoint, group));
        }
        finally
        {
            Array.ForEach(group, s => s.Dispose());
        }

        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task TwoServersStartingTogetherOnOnePort_NeverBothRun()
    {
        for (var round = 0; round < 100; round++)
        {
            int port;
            using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
            {
                probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                port = ((IPEndPoint)probe.LocalEndPoint!).Port;
            }

            await using var first = new UdpEchoServer(new UdpEchoServerOptions { Port = port, ReceiveLoops = 2 });
            await using var second = new UdpEchoServer(new UdpEchoServerOptions { Port = port, ReceiveLoops = 2 });
            using var go = new Barrier(2);
            var starts = new[] { first, second }.Select(server => Task.Run(() =>
            {
                go.SignalAndWait();
                try
                {
                    server.StartAsync().GetAwaiter().GetResult();
                    return true;
                }
                catch (UdpEchoException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
                {
                    return false;
                }
            })).ToArray();
            var started = await Task.WhenAll(starts).WaitAsync(TestTimeouts.Await);

            Assert.True(started.Count(s => s) <= 1, $"round {round}: both servers run on port {port}");
        }
    }
}
