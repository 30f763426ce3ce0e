using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace UdpEcho.Hosting.Tests;

/// <summary>A configuration key that is no option stops the host at start, naming the key, instead of being ignored.</summary>
public sealed class StrictConfigurationTests
{
    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData("UdpEcho:Server:Adress", "127.0.0.1", "Unknown configuration key 'UdpEcho:Server:Adress': UdpEchoServerOptions has no option 'Adress'. Did you mean 'Address'?")]
    [InlineData("UdpEcho:Server:Prot", "7007", "Did you mean 'Port'?")]
    [InlineData("UdpEcho:Server:Impairment:Dealy", "00:00:01", "Unknown configuration key 'UdpEcho:Server:Impairment:Dealy': UdpEchoServerOptions.Impairment has no option 'Dealy'. Did you mean 'Delay'?")]
    [InlineData("UdpEcho:Server:Colour", "blue", "UdpEchoServerOptions has no option 'Colour'. The options are: Address, Port,")]
    public async Task StartAsync_UnknownServerKey_FailsNamingIt(string key, string value, string message)
    {
        var error = await TestHost.StartFailsAsync(
            [new("UdpEcho:Server:Port", "0"), new(key, value)],
            (configuration, services) => services.AddUdpEchoServer(configuration.GetSection("UdpEcho:Server")));

        Assert.Equal(typeof(UdpEchoServerOptions), error.OptionsType);
        Assert.Contains(message, Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StartAsync_UnknownClientKey_FailsNamingIt()
    {
        var error = await TestHost.StartFailsAsync(
            [new("UdpEcho:Client:RemoteEndPoint", "127.0.0.1:7"), new("UdpEcho:Client:Timout", "00:00:02")],
            (configuration, services) => services.AddUdpEchoClient(configuration.GetSection("UdpEcho:Client")));

        Assert.Equal(typeof(UdpEchoClientOptions), error.OptionsType);
        Assert.Equal("Unknown configuration key 'UdpEcho:Client:Timout': UdpEchoClientOptions has no option 'Timout'. Did you mean 'Timeout'?", error.Message);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StartAsync_KeysReadByHandAndInAnotherCase_AreKnown()
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        using var host = TestHost.Create(
            [
                new("UdpEcho:Server:address", "127.0.0.1"),
                new("UdpEcho:Server:Port", "0"),
                new("UdpEcho:Server:AllowedSources:0", "127.0.0.0/8"),
                new("UdpEcho:Server:IMPAIRMENT:delay", "00:00:00"),
                new("UdpEcho:Client:RemoteEndPoint", "127.0.0.1:7"),
                new("UdpEcho:Client:LocalEndPoint", "127.0.0.1"),
            ],
            (configuration, services) => services
                .AddUdpEchoServer(configuration.GetSection("UdpEcho:Server"))
                .AddUdpEchoClient(configuration.GetSection("UdpEcho:Client")));

        await host.StartAsync(cts.Token);
        try
        {
            var server = host.Services.GetRequiredService<IUdpEchoServer>();
            Assert.True(server.IsRunning);
            Assert.Equal("127.0.0.0/8", Assert.Single(host.Services.GetRequiredService<IOptions<UdpEchoServerOptions>>().Value.AllowedSources).ToString());
        }
        finally
        {
            await host.StopAsync(cts.Token);
        }
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StartAsync_ConfigurationRoot_NamesTheKeyFromTheRoot()
    {
        var error = await TestHost.StartFailsAsync([new("Adress", "127.0.0.1")], (configuration, services) => services.AddUdpEchoServer(configuration));

        Assert.StartsWith("Unknown configuration key 'Adress':", error.Message, StringComparison.Ordinal);
    }
}
