// A UDP echo server as a generic-host application: configured from appsettings.json (UdpEcho:Server), logging to
// the console, stopped cleanly by Ctrl+C or SIGTERM. Try it with: nc -u 127.0.0.1 7007
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using UdpEcho;

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,

    // appsettings.json sits next to the binary, so the sample finds it whatever directory it is started from.
    ContentRootPath = AppContext.BaseDirectory,
});

builder.Services.AddUdpEchoServer(builder.Configuration.GetSection("UdpEcho:Server"));

try
{
    await builder.Build().RunAsync();
    return 0;
}
catch (Exception e) when (e is OptionsValidationException or UdpEchoException)
{
    // A bad setting or a port in use: one line naming it, not a stack trace.
    Console.Error.WriteLine($"HostedEchoServer: {e.Message}");
    return 1;
}
