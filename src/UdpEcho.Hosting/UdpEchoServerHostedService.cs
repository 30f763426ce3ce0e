using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using UdpEcho;

namespace UdpEcho.Hosting;

/// <summary>
/// Ties the registered <see cref="IUdpEchoServer"/> to the host's lifetime: bound when the host starts, closed when it
/// stops; and, for a server configured from <c>IConfiguration</c>, applies each reload of its <c>Impairment</c> section.
/// </summary>
/// <remarks>
/// The server itself is a singleton owned by the container, so it is disposed with the container, not here: a
/// host that is stopped and started again gets the same server back.
/// </remarks>
internal sealed partial class UdpEchoServerHostedService(
    IUdpEchoServer server,
    IEnumerable<IOptionsChangeTokenSource<ImpairmentReload>> reloadSources,
    IOptionsMonitor<ImpairmentReload> reloads,
    ILogger<UdpEchoServerHostedService>? logger = null) : IHostedService, IDisposable
{
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Only a server bound to configuration has a reload source; one configured in code has nothing to follow.
        if (reloadSources.Any())
        {
            _subscription ??= reloads.OnChange(Apply);
        }

        return server.StartAsync(cancellationToken);
    }

    // The server closes its socket whatever the token says; the host's token only bounds the wait for the receive loop.
    public Task StopAsync(CancellationToken cancellationToken) => server.StopAsync(cancellationToken);

    public void Dispose() => _subscription?.Dispose();

    private void Apply(ImpairmentReload reload)
    {
        if (reload.Error is { } error)
        {
            ReloadRejected(_logger, error);
            return;
        }

        try
        {
            server.SetImpairment(reload.Impairment!);
            ReloadApplied(_logger);
        }
        catch (ArgumentException e)
        {
            // Never let a bad edit escape into the configuration's reload callback: that would end the process.
            ReloadRejected(_logger, e.Message.Split('\n')[0].TrimEnd());
        }
    }

    [LoggerMessage(300, LogLevel.Information, "The UDP echo server's impairment was reloaded from configuration", EventName = "ImpairmentReloaded")]
    private static partial void ReloadApplied(ILogger logger);

    [LoggerMessage(301, LogLevel.Warning, "The reloaded UdpEcho:Server:Impairment configuration was not applied; the server keeps its impairment: {Error}", EventName = "ImpairmentReloadRejected")]
    private static partial void ReloadRejected(ILogger logger, string error);
}
