using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace UdpEcho.Hosting.Tests;

/// <summary>Bad settings stop the host at start, with a message naming the option (and, from configuration, the key) and the value.</summary>
public sealed class OptionsValidationTests
{
    public static TheoryData<Action<UdpEchoServerOptions>, string> InvalidServerOptions => new()
    {
        { o => o.Port = 70000, "UdpEchoServerOptions.Port must be from 0 to 65535; it was 70000." },
        { o => o.MaxDatagramSize = 70000, "UdpEchoServerOptions.MaxDatagramSize must be from 0 to 65527; it was 70000." },
        { o => o.DualMode = true, "UdpEchoServerOptions.DualMode requires an IPv6 Address; it was 127.0.0.1." },
        { o => o.Address = null!, "UdpEchoServerOptions.Address must be set." },
    };

    [Theory(Timeout = TestTimeouts.Short)]
    [MemberData(nameof(InvalidServerOptions))]
    public async Task StartAsync_InvalidServerOption_FailsWithTheOptionsMessage(Action<UdpEchoServerOptions> breakIt, string message)
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        using var host = TestHost.Create(builder => builder.Services.AddUdpEchoServer(breakIt));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(cts.Token));

        Assert.Equal(typeof(UdpEchoServerOptions), error.OptionsType);
        Assert.Equal(message, Assert.Single(error.Failures));
        Assert.Equal(message, error.Message);
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData("Port", "70000", "UdpEchoServerOptions.Port (configuration key 'UdpEcho:Server:Port') must be from 0 to 65535; it was 70000.")]
    [InlineData("Address", "nope", "UdpEchoServerOptions.Address (configuration key 'UdpEcho:Server:Address') must be an IPv4 or IPv6 address such as 0.0.0.0, 127.0.0.1, :: or ::1; it was 'nope'.")]
    [InlineData("Address", "localhost", "configuration key 'UdpEcho:Server:Address'")]
    [InlineData("Address", "7007", "it was '7007'")]
    [InlineData("Address", "127.0.0.1:7007", "it was '127.0.0.1:7007'")]
    [InlineData("Address", "256.0.0.1", "it was '256.0.0.1'")]
    [InlineData("Address", "[::1]:7007", "it was '[::1]:7007'")]
    public async Task StartAsync_InvalidServerSetting_FailsNamingTheSetting(string key, string value, string message)
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        using var host = TestHost.Create(
            [new($"UdpEcho:Server:{key}", value)],
            (configuration, services) => services.AddUdpEchoServer(configuration.GetSection("UdpEcho:Server")));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(cts.Token));

        Assert.Equal(typeof(UdpEchoServerOptions), error.OptionsType);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Contains($"UdpEchoServerOptions.{key}", error.Message, StringComparison.Ordinal);
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData("RemoteEndPoint", "127.0.0.1")]
    [InlineData("RemoteEndPoint", "localhost")]
    [InlineData("RemoteEndPoint", "::1:7007")]
    [InlineData("RemoteEndPoint", "[::1]")]
    [InlineData("RemoteEndPoint", "[127.0.0.1]:7")]
    [InlineData("RemoteEndPoint", "localhost:70000")]
    [InlineData("RemoteEndPoint", "localhost:-1")]
    [InlineData("RemoteEndPoint", "localhost:echo")]
    [InlineData("RemoteEndPoint", "10.0.0:7")]
    [InlineData("RemoteEndPoint", "http://localhost:7")]
    [InlineData("LocalEndPoint", "localhost:0")]
    [InlineData("LocalEndPoint", "nope")]
    public async Task StartAsync_InvalidClientSetting_FailsNamingTheKeyAndValue(string key, string value)
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        var settings = new Dictionary<string, string?> { ["UdpEcho:Client:RemoteEndPoint"] = "127.0.0.1:7", [$"UdpEcho:Client:{key}"] = value };
        using var host = TestHost.Create(settings, (configuration, services) => services.AddUdpEchoClient(configuration.GetSection("UdpEcho:Client")));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(cts.Token));

        Assert.Equal(typeof(UdpEchoClientOptions), error.OptionsType);
        Assert.Contains($"UdpEchoClientOptions.{key} (configuration key 'UdpEcho:Client:{key}')", error.Message, StringComparison.Ordinal);
        Assert.Contains($"it was '{value}'", error.Message, StringComparison.Ordinal);
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData("RemoteEndPoint", "127.0.0.1:0", "UdpEchoClientOptions.RemoteEndPoint (configuration key 'UdpEcho:Client:RemoteEndPoint') must name a port from 1 to 65535; it was 127.0.0.1:0.")]
    [InlineData("Timeout", "-00:00:01", "UdpEchoClientOptions.Timeout (configuration key 'UdpEcho:Client:Timeout') must be positive")]
    [InlineData("Retries", "1001", "UdpEchoClientOptions.Retries (configuration key 'UdpEcho:Client:Retries') must be from 0 to 1000; it was 1001.")]
    [InlineData("LocalEndPoint", "[::1]:0", "UdpEchoClientOptions.LocalEndPoint (configuration key 'UdpEcho:Client:LocalEndPoint') [::1]:0 is not of the same address family as RemoteEndPoint 127.0.0.1:7.")]
    public async Task StartAsync_ClientSettingTheOptionsReject_FailsWithTheOptionsMessage(string key, string value, string message)
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        var settings = new Dictionary<string, string?> { ["UdpEcho:Client:RemoteEndPoint"] = "127.0.0.1:7", [$"UdpEcho:Client:{key}"] = value };
        using var host = TestHost.Create(settings, (configuration, services) => services.AddUdpEchoClient(configuration.GetSection("UdpEcho:Client")));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(cts.Token));

        Assert.StartsWith(message, Assert.Single(error.Failures), StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StartAsync_ClientWithoutRemoteEndPoint_Fails()
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        using var host = TestHost.Create(builder => builder.Services.AddUdpEchoClient(options => options.Retries = 1));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(cts.Token));

        Assert.Equal("UdpEchoClientOptions.RemoteEndPoint must be set to the echo server's endpoint.", error.Message);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StartAsync_InvalidOptions_NoServerIsStarted()
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        var started = new RecordingServer();
        using var host = TestHost.Create(builder => builder.Services.AddSingleton<IUdpEchoServer>(started).AddUdpEchoServer(o => o.Port = -1));

        await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(cts.Token));

        Assert.Empty(started.Calls);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StartAsync_PortNotANumber_FailsNamingTheKey()
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        using var host = TestHost.Create(
            [new("UdpEcho:Server:Port", "seven")],
            (configuration, services) => services.AddUdpEchoServer(configuration.GetSection("UdpEcho:Server")));

        // The binder's message, which names the key and the type, thrown as every other bad setting is.
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(cts.Token));

        Assert.Equal(typeof(UdpEchoServerOptions), error.OptionsType);
        Assert.Contains("'UdpEcho:Server:Port'", error.Message, StringComparison.Ordinal);
        Assert.Contains("System.Int32", error.Message, StringComparison.Ordinal);
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData("MaxDatagramSize", "70000")]
    [InlineData("ReceiveBufferSize", "0")]
    [InlineData("ReceiveLoops", "65")]
    [InlineData("AllowedSourcePorts:0", "70000")]
    [InlineData("RateLimitPerSource", "-1")]
    [InlineData("RateLimitMaxSources", "0")]
    [InlineData("ShutdownTimeout", "02:00:00")]
    [InlineData("Impairment:LossProbability", "1.5")]
    [InlineData("Impairment:Delay", "00:05:00")]
    [InlineData("DualMode", "true")]
    public async Task StartAsync_ServerSettingTheOptionsReject_NamesTheConfigurationKey(string key, string value)
    {
        var error = await TestHost.StartFailsAsync(
            [new($"UdpEcho:Server:{key}", value)],
            (configuration, services) => services.AddUdpEchoServer(configuration.GetSection("UdpEcho:Server")));

        // "AllowedSourcePorts:0" is an element: the key named is the list's.
        var option = key.Split(':')[0] == "Impairment" ? key.Replace(':', '.') : key.Split(':')[0];
        var configured = key.Split(':')[0] == "Impairment" ? key : option;
        Assert.StartsWith($"UdpEchoServerOptions.{option} (configuration key 'UdpEcho:Server:{configured}')", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StartAsync_SameKeyInTwoSections_NamesTheOneThatSetsIt()
    {
        var error = await TestHost.StartFailsAsync(
            [new("Defaults:Address", "127.0.0.1"), new("Site:Port", "70000")],
            (configuration, services) => services
                .AddUdpEchoServer(configuration.GetSection("Defaults"))
                .AddUdpEchoServer(configuration.GetSection("Site")));

        Assert.StartsWith("UdpEchoServerOptions.Port (configuration key 'Site:Port')", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task StartAsync_OptionSetInCode_NamesNoConfigurationKey()
    {
        var error = await TestHost.StartFailsAsync(
            [new("UdpEcho:Server:Address", "127.0.0.1")],
            (configuration, services) => services
                .AddUdpEchoServer(configuration.GetSection("UdpEcho:Server"))
                .AddUdpEchoServer(o => o.Port = 70000));

        // The bad value came from code, not from the section: naming a key there would send the reader to the wrong place.
        Assert.Equal("UdpEchoServerOptions.Port must be from 0 to 65535; it was 70000.", error.Message);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Describe_DropsTheParameterAndActualValueSuffixes()
    {
        var outOfRange = new ArgumentOutOfRangeException("Port", 70000, "Port must be from 0 to 65535; it was 70000.");
        var plain = new ArgumentException("Address must be set.", "Address");
        var unnamed = new ArgumentException("Something is off.");

        Assert.Equal("Port must be from 0 to 65535; it was 70000.", UdpEchoOptionsValidator.Describe(outOfRange));
        Assert.Equal("Address must be set.", UdpEchoOptionsValidator.Describe(plain));
        Assert.Equal("Something is off.", UdpEchoOptionsValidator.Describe(unnamed));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Validation_AlsoRunsWithoutAHost_OnFirstUse()
    {
        await using var provider = new ServiceCollection().AddUdpEchoServer(o => o.Port = 70000).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IUdpEchoServer>());

        Assert.Equal("UdpEchoServerOptions.Port must be from 0 to 65535; it was 70000.", error.Message);
    }
}
