using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;

namespace UdpEcho.Tool;

/// <summary>Options and value parsers shared by the commands, each rejecting bad input with a message that names it.</summary>
internal static class ToolOptions
{
    public static Option<int> Port(bool required) => new("--port", "-p")
    {
        Description = "The UDP port, 0 to 65535 (0 picks a free port).",
        Required = required,
        CustomParser = result => ParseInt(result, "--port", 0, 65535),
    };

    public static Option<IPAddress> Address(string defaultAddress) => new("--address", "-a")
    {
        Description = "The local address to bind: 0.0.0.0 for every IPv4 interface, :: for IPv6 and IPv4.",
        DefaultValueFactory = _ => IPAddress.Parse(defaultAddress),
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : defaultAddress;
            if (IPAddress.TryParse(text, out var address))
            {
                return address;
            }

            result.AddError($"--address '{text}' is not an IPv4 or IPv6 address.");
            return IPAddress.None;
        },
    };

    /// <summary>A non-negative number, such as a rate or a probability, within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static double ParseDouble(ArgumentResult result, string name, double min, double max, bool minExclusive, string what)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            && double.IsFinite(value) && (minExclusive ? value > min : value >= min) && value <= max)
        {
            return value;
        }

        result.AddError($"{name} '{text}' is not {what}.");
        return min;
    }

    public static int ParseInt(ArgumentResult result, string name, int min, int max) =>
        ParseInt(result, result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty, name, min, max);

    public static int ParseInt(ArgumentResult result, string text, string name, int min, int max)
    {
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        result.AddError($"{name} '{text}' is not a whole number from {min} to {max}.");
        return min;
    }
}
