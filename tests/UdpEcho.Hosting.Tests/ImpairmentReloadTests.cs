using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace UdpEcho.Hosting.Tests;

/// <summary>A configuration reload reaches the running server's impairment (through IOptionsMonitor); a bad one is logged and ignored.</summary>
public sealed class ImpairmentReloadTests
{
    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ConfigurationReload_ImpairmentSection_AppliedToTheRunningServerAndABadEditIgnored()
    {
        var logs = new CapturingLoggerProvider();
        IConfigurationRoot? configuration = null;
        using var host = TestHost.Create(builder =>
        {
            builder.Configuration.AddInMemoryCollection([new("UdpEcho:Server:Port", "0"), new("UdpEcho:Server:ReceiveLoops", "1")]);
            configuration = builder.Configuration;
            builder.Logging.AddProvider(logs);
            builder.Services.AddUdpEchoServer(builder.Configuration.GetSection("UdpEcho:Server"));
        });
        using var cts = new CancellationTokenSource(TestTimeouts.Await);
        await host.StartAsync(cts.Token);
        var server = host.Services.GetRequiredService<IUdpEchoServer>();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions
        {
            RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, server.LocalEndPoint!.Port),
            Timeout = TimeSpan.FromMilliseconds(300),
        });
        await client.SendAndReceiveAsync("before").AsTask().WaitAsync(TestTimeouts.Await);

        // The outage: an edit of the running host's configuration, then its reload.
        configuration!["UdpEcho:Server:Impairment:LossProbability"] = "1";
        configuration.Reload();
        await Assert.ThrowsAsync<TimeoutException>(() => client.SendAndReceiveAsync("during").AsTask().WaitAsync(TestTimeouts.Await));

        // A bad edit is logged and leaves the outage as it was: it must not end the host.
        configuration["UdpEcho:Server:Impairment:LossProbability"] = "2";
        configuration.Reload();
        await Assert.ThrowsAsync<TimeoutException>(() => client.SendAndReceiveAsync("still out").AsTask().WaitAsync(TestTimeouts.Await));

        configuration["UdpEcho:Server:Impairment:LossProbability"] = "0";
        configuration.Reload();
        await client.SendAndReceiveAsync("after").AsTask().WaitAsync(TestTimeouts.Await);

        // So is a misspelt key, even beside a valid change: the server keeps answering.
        configuration["UdpEcho:Server:Impairment:Los"] = "1";
        configuration["UdpEcho:Server:Impairment:LossProbability"] = "1";
        configuration.Reload();
        await client.SendAndReceiveAsync("unchanged").AsTask().WaitAsync(TestTimeouts.Await);
        await host.StopAsync(cts.Token);

        var rejected = logs.Entries.Where(e => e.Id.Id == 301).ToList();
        Assert.Equal(2, rejected.Count);
        Assert.Contains("LossProbability", rejected[0].Message, StringComparison.Ordinal);
        Assert.Contains("'Los'", rejected[1].Message, StringComparison.Ordinal);
        Assert.Equal(2, server.GetStatistics().DroppedByImpairment);
    }
}
