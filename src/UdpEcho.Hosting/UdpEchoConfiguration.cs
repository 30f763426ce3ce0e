using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using UdpEcho;

namespace UdpEcho.Hosting;

/// <summary>
/// Reads the options that the configuration binder cannot: it has no converter for <see cref="IPAddress"/> or
/// <see cref="EndPoint"/> and skips such keys without a word, so <c>"Address": "::1"</c> would leave the server on
/// 127.0.0.1. Every other key is left to the binder.
/// </summary>
internal static class UdpEchoConfiguration
{
    private static readonly SearchValues<char> HostNameChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");

    public static void ReadEndPoints(IConfiguration configuration, UdpEchoServerOptions options)
    {
        if (TryGetValue(configuration, nameof(UdpEchoServerOptions.Address), out var address, out var text))
        {
            options.Address = TryParseAddress(text, out var parsed)
                ? parsed
                : throw Invalid<UdpEchoServerOptions>(address, "an IPv4 or IPv6 address such as 0.0.0.0, 127.0.0.1, :: or ::1");
        }

        // The binder cannot convert IPNetwork either, and leaves a default(IPNetwork) for each element it tried:
        // rebuild the list from the configured strings.
        var sources = configuration.GetSection(nameof(UdpEchoServerOptions.AllowedSources)).GetChildren().ToList();
        if (sources.Count > 0)
        {
            options.AllowedSources.Clear();
            foreach (var source in sources)
            {
                options.AllowedSources.Add(TryParseNetwork(source.Value, out var network)
                    ? network
                    : throw Invalid<UdpEchoServerOptions>(source, "a CIDR range such as 10.0.0.0/8, 192.168.1.7/32 or 2001:db8::/32, with no address bits set beyond the prefix"));
            }
        }
    }

    /// <summary>Parses a CIDR range strictly: "10.0.0.1/8" is refused rather than masked, since it is likelier a typo than a wish.</summary>
    internal static bool TryParseNetwork(string? text, out IPNetwork network)
    {
        network = default;
        text = text?.Trim();
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        return slash > 0
            && IPNetwork.TryParse(text, out network)
            && IPAddress.TryParse(text.AsSpan(0, slash), out var written)
            && network.BaseAddress.Equals(written);
    }

    public static void ReadEndPoints(IConfiguration configuration, UdpEchoClientOptions options)
    {
        if (TryGetValue(configuration, nameof(UdpEchoClientOptions.RemoteEndPoint), out var remote, out var remoteText))
        {
            options.RemoteEndPoint = TryParseEndPoint(remoteText, allowHostName: true, out var parsed)
                ? parsed
                : throw Invalid<UdpEchoClientOptions>(remote, "\"host:port\", \"IPv4:port\" or \"[IPv6]:port\", such as localhost:7, 127.0.0.1:7 or [::1]:7");
        }

        if (TryGetValue(configuration, nameof(UdpEchoClientOptions.LocalEndPoint), out var local, out var localText))
        {
            options.LocalEndPoint = TryParseLocalEndPoint(localText, out var parsed)
                ? parsed
                : throw Invalid<UdpEchoClientOptions>(local, "an IP address, \"IPv4:port\" or \"[IPv6]:port\", such as 0.0.0.0, 127.0.0.1:5000 or [::1]:0");
        }
    }

    /// <summary>Parses an IP address literal, refusing the IPv4 shorthands that <see cref="IPAddress.TryParse(string, out IPAddress)"/> takes.</summary>
    /// <remarks>
    /// <see cref="IPAddress.TryParse(string, out IPAddress)"/> reads "7007" as 0.0.27.95 and "127.1" as 127.0.0.1, and
    /// takes "[::1]:5000" as ::1, dropping the port; in a settings file each is far likelier a mistake than a wish.
    /// </remarks>
    internal static bool TryParseAddress(string text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        text = text.Trim();
        var looksLikeAnAddress = text.Contains(':', StringComparison.Ordinal) ? !text.StartsWith('[') : text.AsSpan().Count('.') == 3;
        return looksLikeAnAddress && IPAddress.TryParse(text, out address);
    }

    /// <summary>Parses "host:port", "IPv4:port" or "[IPv6]:port", with a port from 0 to 65535 (the options' own validation rejects 0 where it must).</summary>
    internal static bool TryParseEndPoint(string text, bool allowHostName, [NotNullWhen(true)] out EndPoint? endPoint)
    {
        endPoint = null;
        text = text.Trim();
        string host;
        ReadOnlySpan<char> port;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf("]:", StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            host = text[1..close];
            port = text.AsSpan(close + 2);
            if (!host.Contains(':', StringComparison.Ordinal))
            {
                return false;
            }
        }
        else
        {
            // More than one colon is an IPv6 address without brackets: "::1:7" cannot be split safely, so refuse it.
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0 || colon != text.LastIndexOf(':'))
            {
                return false;
            }

            host = text[..colon];
            port = text.AsSpan(colon + 1);
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number > IPEndPoint.MaxPort)
        {
            return false;
        }

        if (TryParseAddress(host, out var address))
        {
            endPoint = new IPEndPoint(address, number);
            return true;
        }

        if (allowHostName && IsHostName(host))
        {
            endPoint = new DnsEndPoint(host, number);
            return true;
        }

        return false;
    }

    /// <summary>Parses a local endpoint: an address alone (any port) or an address with a port; never a host name, since a socket binds to addresses.</summary>
    internal static bool TryParseLocalEndPoint(string text, [NotNullWhen(true)] out IPEndPoint? endPoint)
    {
        if (TryParseAddress(text, out var address))
        {
            endPoint = new IPEndPoint(address, 0);
            return true;
        }

        endPoint = TryParseEndPoint(text, allowHostName: false, out var parsed) ? (IPEndPoint)parsed : null;
        return endPoint is not null;
    }

    // Letters, digits, '-', '_' and '.', and not only digits and dots: "10.0.0:7" is a broken address, not a host to look up.
    // Underscores are not legal in DNS names but are common in container and compose service names, which resolve.
    private static bool IsHostName(string host) =>
        host.Length is > 0 and <= 253
        && host.AsSpan().IndexOfAnyExcept(HostNameChars) < 0
        && host.AsSpan().IndexOfAnyExcept("0123456789.") >= 0;

    // An empty value (an empty string, or JSON null) leaves the option at its default, as the binder does for other keys.
    private static bool TryGetValue(IConfiguration configuration, string key, out IConfigurationSection section, [NotNullWhen(true)] out string? value)
    {
        section = configuration.GetSection(key);
        value = section.Value;
        return !string.IsNullOrWhiteSpace(value);
    }

    // Thrown from a configure step, so it surfaces where validation failures do: at host start, or on first use of the options.
    private static OptionsValidationException Invalid<TOptions>(IConfigurationSection section, string expected) =>
        new(Options.DefaultName, typeof(TOptions), [$"{typeof(TOptions).Name}.{section.Key} (configuration key '{section.Path}') must be {expected}; it was '{section.Value}'."]);
}
