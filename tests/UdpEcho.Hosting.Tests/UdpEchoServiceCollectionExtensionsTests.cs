using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace UdpEcho.Hosting.Tests;

/// <summary>What the extension methods put in the service collection, before anything is started.</summary>
public sealed class UdpEchoServiceCollectionExtensionsTests
{
    private static readonly IConfiguration EmptyConfiguration = new ConfigurationBuilder().Build();

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task AddUdpEchoServer_CalledTwice_RegistersOneServerAndOneHostedService()
    {
        var services = new ServiceCollection();

        services.AddUdpEchoServer(options => options.Port = 7001);
        services.AddUdpEchoServer(options => options.MaxDatagramSize = 512);
        services.AddUdpEchoServer(EmptyConfiguration);
        services.AddUdpEchoServer();

        Assert.Single(services, d => d.ServiceType == typeof(IUdpEchoServer));
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService));
        Assert.Single(services, d => d.ServiceType == typeof(IValidateOptions<UdpEchoServerOptions>));
        await using var provider = services.BuildServiceProvider();
        var hosted = Assert.Single(provider.GetServices<IHostedService>());
        Assert.Equal("UdpEchoServerHostedService", hosted.GetType().Name);

        // Every call's configuration applies, in order.
        var options = provider.GetRequiredService<IOptions<UdpEchoServerOptions>>().Value;
        Assert.Equal(7001, options.Port);
        Assert.Equal(512, options.MaxDatagramSize);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task AddUdpEchoClient_CalledTwice_RegistersOneClient()
    {
        var services = new ServiceCollection();

        services.AddUdpEchoClient(options => options.RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, 7));
        services.AddUdpEchoClient(options => options.Retries = 2);

        Assert.Single(services, d => d.ServiceType == typeof(IUdpEchoClient));
        Assert.Single(services, d => d.ServiceType == typeof(IValidateOptions<UdpEchoClientOptions>));
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(IHostedService));
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IUdpEchoClient>();
        Assert.Same(client, provider.GetRequiredService<IUdpEchoClient>());
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 7), client.RemoteEndPoint);
        Assert.Equal(2, provider.GetRequiredService<IOptions<UdpEchoClientOptions>>().Value.Retries);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task EveryOverload_ReturnsTheSameCollection()
    {
        var services = new ServiceCollection();

        Assert.Same(services, services.AddUdpEchoServer());
        Assert.Same(services, services.AddUdpEchoServer(_ => { }));
        Assert.Same(services, services.AddUdpEchoServer(EmptyConfiguration));
        Assert.Same(services, services.AddUdpEchoClient(_ => { }));
        Assert.Same(services, services.AddUdpEchoClient(EmptyConfiguration));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task EveryOverload_NullArgument_Throws()
    {
        IServiceCollection services = new ServiceCollection();

        Assert.Throws<ArgumentNullException>("services", () => ((IServiceCollection)null!).AddUdpEchoServer());
        Assert.Throws<ArgumentNullException>("services", () => ((IServiceCollection)null!).AddUdpEchoServer(_ => { }));
        Assert.Throws<ArgumentNullException>("services", () => ((IServiceCollection)null!).AddUdpEchoServer(EmptyConfiguration));
        Assert.Throws<ArgumentNullException>("services", () => ((IServiceCollection)null!).AddUdpEchoClient(_ => { }));
        Assert.Throws<ArgumentNullException>("services", () => ((IServiceCollection)null!).AddUdpEchoClient(EmptyConfiguration));
        Assert.Throws<ArgumentNullException>("configure", () => services.AddUdpEchoServer((Action<UdpEchoServerOptions>)null!));
        Assert.Throws<ArgumentNullException>("configuration", () => services.AddUdpEchoServer((IConfiguration)null!));
        Assert.Throws<ArgumentNullException>("configure", () => services.AddUdpEchoClient((Action<UdpEchoClientOptions>)null!));
        Assert.Throws<ArgumentNullException>("configuration", () => services.AddUdpEchoClient((IConfiguration)null!));
        Assert.Empty(services);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task AddUdpEchoServer_ServerAlreadyRegistered_KeepsIt()
    {
        var mine = new RecordingServer();
        var services = new ServiceCollection().AddSingleton<IUdpEchoServer>(mine);

        services.AddUdpEchoServer();

        await using var provider = services.BuildServiceProvider();
        Assert.Same(mine, provider.GetRequiredService<IUdpEchoServer>());
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task AddUdpEchoServer_NoConfiguration_UsesTheOptionsDefaults()
    {
        await using var provider = new ServiceCollection().AddUdpEchoServer().BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<UdpEchoServerOptions>>().Value;

        Assert.Equal(IPAddress.Loopback, options.Address);
        Assert.Equal(0, options.Port);
        Assert.Equal(UdpEchoServerOptions.MaxIPv6DatagramSize, options.MaxDatagramSize);
    }
}
