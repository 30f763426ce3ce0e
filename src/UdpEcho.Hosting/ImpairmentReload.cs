using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using UdpEcho;

namespace UdpEcho.Hosting;

/// <summary>
/// The <c>Impairment</c> section of the server's configuration as it is now, read again on every configuration reload
/// (through <see cref="IOptionsMonitor{TOptions}"/>), so that the hosted server's impairment follows the file. A reload
/// that cannot be read keeps its error here instead of throwing: a bad edit must not take down a running host (a throw
/// from a reload callback would end the process), it is logged and the server keeps its settings.
/// </summary>
internal sealed class ImpairmentReload
{
    public UdpEchoImpairmentOptions? Impairment { get; private set; }

    public string? Error { get; private set; }

    [RequiresUnreferencedCode(StrictConfiguration.BinderNeedsReflection)]
    [RequiresDynamicCode(StrictConfiguration.BinderNeedsReflection)]
    public static void Read(IConfiguration server, ImpairmentReload reload)
    {
        var impairment = new UdpEchoImpairmentOptions();
        try
        {
            StrictConfiguration.Bind(server.GetSection(nameof(UdpEchoServerOptions.Impairment)), impairment);
            reload.Impairment = impairment;
        }
        catch (Exception e) when (e is OptionsValidationException or InvalidOperationException)
        {
            reload.Error = e.Message;
        }
    }
}
