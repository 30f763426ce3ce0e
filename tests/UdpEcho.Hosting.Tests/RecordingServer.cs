using System.Net;

namespace UdpEcho.Hosting.Tests;

/// <summary>An <see cref="IUdpEchoServer"/> that only records what the host asked of it.</summary>
internal sealed class RecordingServer : IUdpEchoServer
{
    public event EventHandler<UdpEchoMessageReceivedEventArgs>? MessageReceived
    {
        add { }
        remove { }
    }

    public List<string> Calls { get; } = [];

    public CancellationToken StopToken { get; private set; }

    public IPEndPoint? LocalEndPoint => null;

    public bool IsRunning { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        Calls.Add(nameof(StartAsync));
        IsRunning = true;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        Calls.Add(nameof(StopAsync));
        StopToken = cancellationToken;
        IsRunning = false;
        return Task.CompletedTask;
    }

    public UdpEchoServerStatistics GetStatistics() => new();

    public void SetImpairment(UdpEchoImpairmentOptions impairment) => Calls.Add(nameof(SetImpairment));

    public ValueTask DisposeAsync()
    {
        Calls.Add(nameof(DisposeAsync));
        return ValueTask.CompletedTask;
    }
}
