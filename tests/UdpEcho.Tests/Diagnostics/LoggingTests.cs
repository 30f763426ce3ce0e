using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using UdpEcho.Tests.Client;

namespace UdpEcho.Tests.Diagnostics;

public sealed class LoggingTests
{
    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Server_LogsLifecycleEchoesAndSubscriberFailures_WithStableEventIds()
    {
        var logs = new CapturingLoggerFactory();
        var server = new UdpEchoServer(new UdpEchoServerOptions(), logs);
        server.MessageReceived += (_, _) => throw new InvalidOperationException("subscriber bug");
        await server.StartAsync();
        var endPoint = server.LocalEndPoint!;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(endPoint);

        for (var i = 0; i < 3; i++)
        {
            await socket.SendAsync("x"u8.ToArray());
            await socket.ReceiveAsync(new byte[16], SocketFlags.None).WaitAsync(TestTimeouts.Await);
        }

        await server.DisposeAsync();

        var entries = logs.Entries.ToList();
        Assert.Contains(entries, e => e.Id.Id == 100 && e.Id.Name == "ServerStarted" && e.Message.Contains(endPoint.ToString(), StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Id.Id == 101 && e.Id.Name == "ServerStopped");
        Assert.Equal(3, entries.Count(e => e.Id.Id == 102 && e.Level == LogLevel.Trace));

        // Three failures, one line: the rest are held back by the throttle and counted in statistics.
        var failure = Assert.Single(entries, e => e.Id.Id == 106);
        Assert.Equal(LogLevel.Error, failure.Level);
        Assert.IsType<InvalidOperationException>(failure.Exception);
        Assert.Equal(3, server.GetStatistics().SubscriberErrors);
        Assert.All(entries, e => Assert.Equal(typeof(UdpEchoServer).FullName, e.Category));
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Server_InformationLevel_WritesNothingPerDatagram()
    {
        var logs = new CapturingLoggerFactory(LogLevel.Information);
        await using var server = new UdpEchoServer(new UdpEchoServerOptions { MaxDatagramSize = 4 }, logs);
        await server.StartAsync();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(server.LocalEndPoint!);

        await socket.SendAsync(new byte[5]);  // oversized: dropped at Debug level
        await socket.SendAsync(new byte[4]);
        await socket.ReceiveAsync(new byte[16], SocketFlags.None).WaitAsync(TestTimeouts.Await);
        await server.StopAsync();

        // Start and stop; and, where the kernel caps the socket buffers below the 8 MiB asked for, one line each (118).
        Assert.Equal([100, 101], logs.Entries.Select(e => e.Id.Id).Where(id => id != 118));
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Server_ReceiveBufferBeyondWhatTheKernelAllows_WarnsOnceNamingTheSysctl()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // The sysctl the message names is Linux's.
        }

        var logs = new CapturingLoggerFactory(LogLevel.Information);
        await using var server = new UdpEchoServer(new UdpEchoServerOptions { ReceiveBufferSize = 1 << 30, ReceiveLoops = 2 }, logs);
        await server.StartAsync();
        await server.StopAsync();
        await server.StartAsync();
        await server.StopAsync();

        var capped = Assert.Single(logs.Entries, e => e.Id.Id == 119);
        Assert.Equal(LogLevel.Warning, capped.Level);
        Assert.Contains("net.core.rmem_max", capped.Message, StringComparison.Ordinal);
        Assert.Contains("1073741824", capped.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Server_DefaultBuffersCappedByTheKernel_SaysSoOnceAtInformation()
    {
        var limit = OperatingSystem.IsLinux() ? long.Parse(File.ReadAllText("/proc/sys/net/core/rmem_max"), System.Globalization.CultureInfo.InvariantCulture) : long.MaxValue;
        var logs = new CapturingLoggerFactory(LogLevel.Information);
        await using var server = new UdpEchoServer(new UdpEchoServerOptions(), logs);
        await server.StartAsync();
        await server.StopAsync();

        var capped = logs.Entries.Where(e => e.Id.Id == 118 && e.Message.Contains("receive", StringComparison.Ordinal)).ToList();
        if (limit < UdpEchoServerOptions.DefaultSocketBufferSize)
        {
            var entry = Assert.Single(capped);
            Assert.Equal(LogLevel.Information, entry.Level);
            Assert.Contains("net.core.rmem_max", entry.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Empty(capped);
        }
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Server_OversizedDatagrams_LoggedAtDebugWithSender_OncePerInterval()
    {
        var logs = new CapturingLoggerFactory();
        await using var server = new UdpEchoServer(new UdpEchoServerOptions { MaxDatagramSize = 4 }, logs);
        await server.StartAsync();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(server.LocalEndPoint!);

        for (var i = 0; i < 3; i++)
        {
            await socket.SendAsync(new byte[5]);
        }

        await socket.SendAsync(new byte[1]);
        await socket.ReceiveAsync(new byte[16], SocketFlags.None).WaitAsync(TestTimeouts.Await);
        await server.StopAsync();

        Assert.Equal(3, server.GetStatistics().DroppedTooLarge);
        var dropped = Assert.Single(logs.Entries, e => e.Id.Id == 103); // the other two within the same 5 s are held back
        Assert.Equal(LogLevel.Debug, dropped.Level);
        Assert.Contains(socket.LocalEndPoint!.ToString()!, dropped.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Client_LogsConnectUnmatchedAndUnreachable()
    {
        var logs = new CapturingLoggerFactory();
        using var peer = new ScriptedPeer();
        var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint }, logs);
        client.MessageReceived += (_, _) => throw new InvalidOperationException("subscriber bug");

        var call = client.SendAndReceiveAsync("a").AsTask();
        var (_, from) = await peer.ReceiveAsync();
        await peer.SendAsync("b"u8.ToArray(), from);
        await peer.SendAsync("a"u8.ToArray(), from);
        await call.WaitAsync(TestTimeouts.Await);
        await client.DisposeAsync();

        var entries = logs.Entries.ToList();
        Assert.Contains(entries, e => e.Id.Id == 200 && e.Message.Contains(peer.EndPoint.ToString(), StringComparison.Ordinal));
        Assert.Single(entries, e => e.Id.Id == 201);
        Assert.Single(entries, e => e.Id.Id == 203 && e.Exception is InvalidOperationException);

        IPEndPoint closed;
        using (var gone = new ScriptedPeer())
        {
            closed = gone.EndPoint;
        }

        var unreachableLogs = new CapturingLoggerFactory();
        await using var lonely = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = closed, Timeout = TimeSpan.FromSeconds(30) }, unreachableLogs);
        await Assert.ThrowsAsync<UdpEchoException>(() => lonely.SendAndReceiveAsync("hello?").AsTask());
        Assert.Contains(unreachableLogs.Entries, e => e.Id.Id == 202 && e.Level == LogLevel.Warning);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Client_LogsEachProbeAtDebugWithItsFigures()
    {
        var logs = new CapturingLoggerFactory();
        await using var server = new UdpEchoServer(new UdpEchoServerOptions());
        await server.StartAsync();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.LocalEndPoint }, logs);

        await client.ProbeAsync(new UdpEchoProbeOptions { Count = 3 });

        var probe = Assert.Single(logs.Entries, e => e.Id.Id == 205);
        Assert.Equal("ProbeCompleted", probe.Id.Name);
        Assert.Equal(LogLevel.Debug, probe.Level);
        Assert.Contains("3 sent, 3 received, 0% lost", probe.Message, StringComparison.Ordinal);
    }
}
