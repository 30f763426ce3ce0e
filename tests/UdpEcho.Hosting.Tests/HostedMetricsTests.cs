using System.Diagnostics.Metrics;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace UdpEcho.Hosting.Tests;

/// <summary>The server and client measure through the container's <see cref="IMeterFactory"/>, as OpenTelemetry expects.</summary>
public sealed class HostedMetricsTests
{
    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Server_MeasuresThroughTheContainersMeterFactory()
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        using var host = TestHost.Create(builder => builder.Services.AddMetrics().AddUdpEchoServer());
        var factory = host.Services.GetRequiredService<IMeterFactory>();
        long datagrams = 0;
        using var listener = new MeterListener();

        // Only this host's meter: servers of other tests measure through the process-wide meter of the same name.
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Meter.Name == "UdpEcho")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "udpecho.server.datagrams")
            {
                Interlocked.Add(ref datagrams, value);
            }
        });
        listener.Start();

        await host.StartAsync(cts.Token);
        var server = host.Services.GetRequiredService<IUdpEchoServer>();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(server.LocalEndPoint!);
        await socket.SendAsync("m"u8.ToArray(), cts.Token);
        await socket.ReceiveAsync(new byte[8], cts.Token);
        await host.StopAsync(cts.Token);

        Assert.Equal(2, Interlocked.Read(ref datagrams)); // one received, one echoed
    }
}
