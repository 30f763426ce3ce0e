using Microsoft.Extensions.Hosting;
using UdpEcho;

namespace UdpEcho.Hosting;

/// <summary>Ties the registered <see cref="IUdpEchoServer"/> to the host's lifetime: bound when the host starts, closed when it stops.</summary>
/// <remarks>
/// The server itself is a singleton owned by the container, so it is disposed with the container, not here: a
/// host that is stopped and started again gets the same server back.
/// </remarks>
internal sealed class UdpEchoServerHostedService(IUdpEchoServer server) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => server.StartAsync(cancellationToken);

    // The server closes its socket whatever the token says; the host's token only bounds the wait for the receive loop.
    public Task StopAsync(CancellationToken cancellationToken) => server.StopAsync(cancellationToken);
}
