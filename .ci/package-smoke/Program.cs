// A stranger's app: installs UdpEcho.Hosting from the packed packages, runs a hosted echo server and a client from
// DI, echoes once, and checks that the UdpEcho meter reported it. Exit code 0 only if all of that worked.
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using UdpEcho;

var measurements = 0L;
using var listener = new MeterListener();
listener.InstrumentPublished = (instrument, l) =>
{
    if (instrument.Meter.Name == "UdpEcho")
    {
        l.EnableMeasurementEvents(instrument);
    }
};
listener.SetMeasurementEventCallback<long>((_, _, _, _) => Interlocked.Increment(ref measurements));
listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref measurements));
listener.Start();

// Port 0 is not usable for the client's configuration, so pick a free port first.
int port;
using (var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp))
{
    probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    port = ((IPEndPoint)probe.LocalEndPoint!).Port;
}

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddUdpEchoServer(o => { o.Address = IPAddress.Loopback; o.Port = port; });
builder.Services.AddUdpEchoClient(o => { o.RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, port); o.Timeout = TimeSpan.FromSeconds(2); });
using var host = builder.Build();
await host.StartAsync();

var client = host.Services.GetRequiredService<IUdpEchoClient>();
var reply = await client.SendAndReceiveAsync("hello from a package");
await host.StopAsync();

var text = System.Text.Encoding.UTF8.GetString(reply.Payload.Span);
Console.WriteLine($"echo: {text}; measurements: {Interlocked.Read(ref measurements)}");
return text == "hello from a package" && Interlocked.Read(ref measurements) > 0 ? 0 : 1;
