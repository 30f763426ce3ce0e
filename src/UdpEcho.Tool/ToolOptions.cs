using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

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

    private const string TargetDescription = "The echo server: 127.0.0.1:7, [::1]:7 or echo.example.com:7.";

    /// <summary>The echo server to talk to: <c>HOST:PORT</c>, <c>[IPv6]:PORT</c>, or an IPv4 address and port.</summary>
    public static Argument<EndPoint> Target() => new("HOST:PORT")
    {
        Description = TargetDescription,
        CustomParser = ParseTarget,
    };

    /// <summary>The echo server as an argument that may be left out, for a command that also takes it as <see cref="TargetOption"/>.</summary>
    public static Argument<EndPoint?> OptionalTarget() => new("HOST:PORT")
    {
        Description = TargetDescription + " Or give it with --target.",
        Arity = ArgumentArity.ZeroOrOne,
        CustomParser = ParseTarget,
    };

    /// <summary>The echo server as an option, <c>--target HOST:PORT</c>: the older spelling of the positional argument.</summary>
    public static Option<EndPoint?> TargetOption() => new("--target", "-t")
    {
        Description = "The same as HOST:PORT, for scripts that name it.",
        HelpName = "HOST:PORT",
        CustomParser = ParseTarget,
    };

    /// <summary>A file the command writes when it is done, such as <c>--hgrm FILE</c>.</summary>
    public static Option<string?> OutputFile(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "FILE",
    };

    /// <summary>
    /// Rejects, as a usage error naming the user's input, a datagram of <paramref name="size"/> bytes to an IPv4 address
    /// typed on the command line (a host name is only known to be IPv4 once resolved: the command says so then).
    /// </summary>
    public static void CheckSizeForTarget(CommandResult command, EndPoint? target, int? size, string what)
    {
        if (target is IPEndPoint { AddressFamily: AddressFamily.InterNetwork } ipv4 && size > UdpEchoServerOptions.MaxIPv4DatagramSize)
        {
            command.AddError($"{what} is too large for the IPv4 address {ipv4.Address}: a UDP datagram to it carries at most {UdpEchoServerOptions.MaxIPv4DatagramSize} bytes.");
        }
    }

    /// <summary>Gets an option's or argument's value in a validator, or the default for one its parser rejected (that error is reported already).</summary>
    public static T? ValueOrDefault<T>(CommandResult command, Option<T> option) => ValueOrDefault(() => command.GetValue(option));

    /// <inheritdoc cref="ValueOrDefault{T}(CommandResult, Option{T})"/>
    public static T? ValueOrDefault<T>(CommandResult command, Argument<T> argument) => ValueOrDefault(() => command.GetValue(argument));

    private static T? ValueOrDefault<T>(Func<T?> value)
    {
        try
        {
            return value();
        }
        catch (InvalidOperationException)
        {
            return default;
        }
    }

    /// <summary>A time in whole milliseconds, from <paramref name="min"/> to one hour.</summary>
    public static Option<int> Milliseconds(string name, string description, int defaultValue, int min) => Milliseconds(name, null, description, defaultValue, min);

    /// <summary>A time in whole milliseconds, from <paramref name="min"/> to one hour, with a short alias.</summary>
    public static Option<int> Milliseconds(string name, string? alias, string description, int defaultValue, int min)
    {
        var option = alias is null ? new Option<int>(name) : new Option<int>(name, alias);
        option.Description = description;
        option.DefaultValueFactory = _ => defaultValue;
        option.CustomParser = result => ParseInt(result, name, min, 3_600_000);
        return option;
    }

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print one JSON document instead of text; no per-message lines, no progress.",
    };

    private static EndPoint? ParseTarget(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (TryParseTarget(text, out var endPoint, out var problem))
        {
            return endPoint;
        }

        result.AddError(problem);
        return new IPEndPoint(IPAddress.None, 1);
    }

    /// <summary>Parses <c>HOST:PORT</c> into an <see cref="IPEndPoint"/> (an address) or a <see cref="DnsEndPoint"/> (a name, resolved later).</summary>
    public static bool TryParseTarget(string text, [NotNullWhen(true)] out EndPoint? endPoint, out string problem)
    {
        endPoint = null;
        string host;
        string port;
        if (text.StartsWith('-'))
        {
            // An option this command does not have, taken for the server's place: name it as what it is.
            problem = $"unrecognized option '{text}'";
            return false;
        }

        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':')
            {
                problem = $"'{text}' is not [IPv6]:PORT, for example [::1]:7.";
                return false;
            }

            host = text[1..close];
            port = text[(close + 2)..];
            if (!IPAddress.TryParse(host, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                problem = $"'{host}' in '{text}' is not an IPv6 address.";
                return false;
            }
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon < 0)
            {
                problem = $"'{text}' has no port: use HOST:PORT, for example 127.0.0.1:7.";
                return false;
            }

            if (text.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                problem = $"'{text}' looks like an IPv6 address: put it in brackets, for example [::1]:7.";
                return false;
            }

            host = text[..colon];
            port = text[(colon + 1)..];
            if (host.Length == 0 || (!IPAddress.TryParse(host, out _) && Uri.CheckHostName(host) != UriHostNameType.Dns))
            {
                problem = $"'{host}' in '{text}' is not a host name or an IP address.";
                return false;
            }

            // A name whose last label is all digits is no host name (no top-level domain is numeric): it was meant as
            // an IPv4 address, and is not one.
            var lastLabel = host[(host.LastIndexOf('.') + 1)..];
            if (!IPAddress.TryParse(host, out _) && lastLabel.Length > 0 && lastLabel.All(char.IsAsciiDigit))
            {
                problem = $"'{host}' in '{text}' is not an IPv4 address.";
                return false;
            }
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
        {
            problem = $"'{port}' in '{text}' is not a port from 1 to 65535.";
            return false;
        }

        endPoint = IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, number) : new DnsEndPoint(host, number);
        problem = string.Empty;
        return true;
    }

    /// <summary>Formats an endpoint as the user typed it: <c>127.0.0.1:7</c>, <c>[::1]:7</c>, <c>localhost:7</c>.</summary>
    public static string Format(EndPoint endPoint) => endPoint switch
    {
        DnsEndPoint dns => $"{dns.Host}:{dns.Port.ToString(CultureInfo.InvariantCulture)}",
        _ => endPoint.ToString() ?? string.Empty,
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

    /// <summary>
    /// An option that takes one of <paramref name="choices"/>' words, case-insensitive. The first choice is the default,
    /// and must be <c>default(T)</c>: what an absent option reads as. No default value is declared, because the help
    /// would print it as the enum's name (Automatic), which is not one of the words: the description names the default.
    /// </summary>
    public static Option<T> Choice<T>(string name, string description, (string Word, T Value)[] choices)
        where T : struct, Enum
    {
        if (!EqualityComparer<T>.Default.Equals(choices[0].Value, default))
        {
            throw new ArgumentException($"The first choice of {name} is its default and must be {default(T)}.", nameof(choices));
        }

        return new(name)
        {
            Description = description,
            HelpName = string.Join('|', choices.Select(c => c.Word)),
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : choices[0].Word;
                foreach (var (word, value) in choices)
                {
                    if (string.Equals(word, text, StringComparison.OrdinalIgnoreCase))
                    {
                        return value;
                    }
                }

                var words = choices.Select(c => c.Word).ToList();
                result.AddError($"{name} '{text}' is not {string.Join(", ", words.Take(words.Count - 1))} or {words[^1]}.");
                return choices[0].Value;
            },
        };
    }

    public static long ParseLong(ArgumentResult result, string name, long min, long max)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        result.AddError($"{name} '{text}' is not a whole number from {min} to {max}.");
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
