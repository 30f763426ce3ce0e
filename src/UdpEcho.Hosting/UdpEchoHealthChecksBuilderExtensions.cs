using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using UdpEcho.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers UDP echo health checks with <c>services.AddHealthChecks()</c>.</summary>
public static class UdpEchoHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a health check that echoes datagrams off a UDP echo server (RFC 862, such as a <c>UdpEchoServer</c> or
    /// <c>udpecho serve</c>) and judges it by loss and round trip.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="configure">Sets the check's options; <see cref="UdpEchoHealthCheckOptions.RemoteEndPoint"/> must be set.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">The status when echoes are lost beyond <see cref="UdpEchoHealthCheckOptions.MaxLossPercent"/> or none came back; <see langword="null"/> means Unhealthy.</param>
    /// <param name="tags">Tags to filter checks by, such as <c>"ready"</c>.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentException">An option is invalid; the message names it and its value.</exception>
    /// <remarks>
    /// The options are read and validated once, here. The result's data holds <c>endpoint</c>, <c>sent</c>, <c>received</c>,
    /// <c>lossPercent</c> and, when an echo came back, <c>roundTripP50Ms</c> and <c>roundTripMaxMs</c>.
    /// </remarks>
    public static IHealthChecksBuilder AddUdpEcho(
        this IHealthChecksBuilder builder,
        Action<UdpEchoHealthCheckOptions> configure,
        string name = "udpecho",
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        ArgumentException.ThrowIfNullOrEmpty(name);

        var options = new UdpEchoHealthCheckOptions();
        configure(options);
        options.Validate();
        options = options.Clone();

        return builder.Add(new HealthCheckRegistration(
            name,
            provider => new UdpEchoHealthCheck(options, provider.GetService<ILoggerFactory>(), provider.GetService<IMeterFactory>()),
            failureStatus,
            tags));
    }
}
