using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UdpEcho;
using UdpEcho.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers UdpEcho servers and clients in an <see cref="IServiceCollection"/>.
/// </summary>
/// <remarks>
/// Every method may be called more than once: the services are registered once (<c>TryAdd</c>), while each call's
/// configuration is added to the options, applied in call order. Options are validated when the host starts, so a
/// bad setting stops the application at once with an <see cref="OptionsValidationException"/> that names it.
/// </remarks>
public static class UdpEchoServiceCollectionExtensions
{
    /// <summary>
    /// Registers an <see cref="IUdpEchoServer"/> with default options (127.0.0.1, a port the operating system picks)
    /// and a hosted service that starts it with the host and stops it with the host.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddUdpEchoServer(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return AddServerServices(services);
    }

    /// <summary>
    /// Registers an <see cref="IUdpEchoServer"/> configured by <paramref name="configure"/> and a hosted service that
    /// starts it with the host and stops it with the host.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the server's options.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <example>
    /// <code>
    /// builder.Services.AddUdpEchoServer(options =&gt;
    /// {
    ///     options.Address = IPAddress.Any;
    ///     options.Port = 7;
    /// });
    /// </code>
    /// </example>
    public static IServiceCollection AddUdpEchoServer(this IServiceCollection services, Action<UdpEchoServerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<UdpEchoServerOptions>().Configure(configure);
        return AddServerServices(services);
    }

    /// <summary>
    /// Registers an <see cref="IUdpEchoServer"/> configured from <paramref name="configuration"/> and a hosted service
    /// that starts it with the host and stops it with the host.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">
    /// The section holding the server's settings, usually <c>configuration.GetSection("UdpEcho:Server")</c>: <c>Address</c>
    /// (an IP address such as <c>0.0.0.0</c> or <c>::1</c>), <c>Port</c>, <c>DualMode</c>, <c>MaxDatagramSize</c>,
    /// <c>ReceiveBufferSize</c>, <c>SendBufferSize</c>, <c>Engine</c>, <c>ReceiveLoops</c>, <c>ShutdownTimeout</c>, the
    /// policies (<c>FilterSourcePorts</c>, <c>AllowedSourcePorts</c>, <c>FilterSourceAddresses</c>, <c>AllowedSources</c> as
    /// CIDR strings, the <c>RateLimit*</c> keys) and an <c>Impairment</c> section: every property of
    /// <see cref="UdpEchoServerOptions"/> except <see cref="UdpEchoServerOptions.TimeProvider"/>. Missing keys keep their defaults;
    /// a key that is no option (a misspelt <c>Adress</c>) stops the host at start with an <see cref="OptionsValidationException"/> naming it.
    /// When the configuration reloads (a JSON file with <c>reloadOnChange</c>), the <c>Impairment</c> section is applied to
    /// the running server at once (<see cref="IUdpEchoServer.SetImpairment"/>); a reloaded section that is not valid is
    /// logged and the server keeps its settings. Every other key is read when the server is created.
    /// </param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    [RequiresUnreferencedCode(StrictConfiguration.BinderNeedsReflection)]
    [RequiresDynamicCode(StrictConfiguration.BinderNeedsReflection)]
    public static IServiceCollection AddUdpEchoServer(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<UdpEchoServerOptions>().Configure(options =>
        {
            StrictConfiguration.Bind(configuration, options);
            UdpEchoConfiguration.ReadEndPoints(configuration, options);
        });
        services.AddSingleton(new UdpEchoConfigurationSection(typeof(UdpEchoServerOptions), name => StrictConfiguration.KeyOf<UdpEchoServerOptions>(configuration, name)));

        // The impairment follows configuration reloads while the server runs (every other setting is read at start).
        services.AddOptions<ImpairmentReload>().Configure(reload => ImpairmentReload.Read(configuration, reload));
        services.AddSingleton<IOptionsChangeTokenSource<ImpairmentReload>>(new ConfigurationChangeTokenSource<ImpairmentReload>(configuration));
        return AddServerServices(services);
    }

    /// <summary>Registers an <see cref="IUdpEchoClient"/> configured by <paramref name="configure"/>, created on first use.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the client's options; <see cref="UdpEchoClientOptions.RemoteEndPoint"/> must be set.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddUdpEchoClient(this IServiceCollection services, Action<UdpEchoClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<UdpEchoClientOptions>().Configure(configure);
        return AddClientServices(services);
    }

    /// <summary>Registers an <see cref="IUdpEchoClient"/> configured from <paramref name="configuration"/>, created on first use.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">
    /// The section holding the client's settings, usually <c>configuration.GetSection("UdpEcho:Client")</c>:
    /// <c>RemoteEndPoint</c> (required: <c>"host:port"</c>, <c>"IPv4:port"</c> or <c>"[IPv6]:port"</c>), <c>Timeout</c>
    /// (such as <c>"00:00:01"</c>), <c>Retries</c>, <c>RetryBackoff</c>, <c>RetryJitter</c>, <c>MaxCallsInFlight</c>,
    /// <c>ReceiveBufferSize</c>, <c>SendBufferSize</c>, <c>Matching</c>, <c>LocalEndPoint</c> (an IP address, optionally with
    /// a port): every property of <see cref="UdpEchoClientOptions"/> except <see cref="UdpEchoClientOptions.TimeProvider"/>.
    /// A key that is no option stops the host at start with an <see cref="OptionsValidationException"/> naming it.
    /// </param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    [RequiresUnreferencedCode(StrictConfiguration.BinderNeedsReflection)]
    [RequiresDynamicCode(StrictConfiguration.BinderNeedsReflection)]
    public static IServiceCollection AddUdpEchoClient(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<UdpEchoClientOptions>().Configure(options =>
        {
            StrictConfiguration.Bind(configuration, options);
            UdpEchoConfiguration.ReadEndPoints(configuration, options);
        });
        services.AddSingleton(new UdpEchoConfigurationSection(typeof(UdpEchoClientOptions), name => StrictConfiguration.KeyOf<UdpEchoClientOptions>(configuration, name)));
        return AddClientServices(services);
    }

    private static IServiceCollection AddServerServices(IServiceCollection services)
    {
        services.AddOptions<UdpEchoServerOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<UdpEchoServerOptions>, UdpEchoOptionsValidator>());

        // A factory, so the container owns the server and disposes it with itself.
        services.TryAddSingleton<IUdpEchoServer>(provider => new UdpEchoServer(
            provider.GetRequiredService<IOptions<UdpEchoServerOptions>>().Value,
            provider.GetService<ILoggerFactory>(),
            provider.GetService<IMeterFactory>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, UdpEchoServerHostedService>());
        return services;
    }

    private static IServiceCollection AddClientServices(IServiceCollection services)
    {
        services.AddOptions<UdpEchoClientOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<UdpEchoClientOptions>, UdpEchoOptionsValidator>());
        services.TryAddSingleton<IUdpEchoClient>(provider => new UdpEchoClient(
            provider.GetRequiredService<IOptions<UdpEchoClientOptions>>().Value,
            provider.GetService<ILoggerFactory>(),
            provider.GetService<IMeterFactory>()));
        return services;
    }
}
