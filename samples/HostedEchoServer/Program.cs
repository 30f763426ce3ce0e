// A UDP echo server as a generic-host application: configured from appsettings.json (UdpEcho:Server), logging to
// the console, stopped cleanly by Ctrl+C or SIGTERM. Try it with: nc -u 127.0.0.1 7007
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,

    // appsettings.json sits next to the binary, so the sample finds it whatever directory it is started from.
    ContentRootPath = AppContext.BaseDirectory,
});

builder.Services.AddUdpEchoServer(builder.Configuration.GetSection("UdpEcho:Server"));

await builder.Build().RunAsync();
