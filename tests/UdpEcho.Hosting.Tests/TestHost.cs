using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace UdpEcho.Hosting.Tests;

/// <summary>Builds hosts with nothing but what a test adds: no appsettings.json, environment variables or console logging.</summary>
internal static class TestHost
{
    public static IHost Create(Action<HostApplicationBuilder> configure)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        configure(builder);
        return builder.Build();
    }

    /// <summary>A host whose configuration holds <paramref name="settings"/>, as appsettings.json would.</summary>
    public static IHost Create(IEnumerable<KeyValuePair<string, string?>> settings, Action<IConfiguration, IServiceCollection> configureServices) =>
        Create(builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            configureServices(builder.Configuration, builder.Services);
        });

    /// <summary>Starts a host configured from <paramref name="settings"/> and returns the validation error that must stop it.</summary>
    public static async Task<OptionsValidationException> StartFailsAsync(IEnumerable<KeyValuePair<string, string?>> settings, Action<IConfiguration, IServiceCollection> configureServices)
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        using var host = Create(settings, configureServices);
        return await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(cts.Token));
    }

    /// <summary>A provider holding just a client, as a separate application talking to a server would have.</summary>
    public static ServiceProvider ClientFor(System.Net.EndPoint server) =>
        new ServiceCollection().AddUdpEchoClient(options =>
        {
            options.RemoteEndPoint = server;
            options.Timeout = TestTimeouts.Echo;
        }).BuildServiceProvider();
}
