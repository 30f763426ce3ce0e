using Microsoft.Extensions.Options;
using UdpEcho;

namespace UdpEcho.Hosting;

/// <summary>
/// Runs the options' own <c>Validate()</c>, so that DI reports exactly what <c>new UdpEchoServer(options)</c> would,
/// as an <see cref="OptionsValidationException"/> at host start rather than an <see cref="ArgumentException"/> on first use.
/// </summary>
/// <remarks>
/// When the options were bound from configuration, the message also names the configuration key, so that whoever
/// reads it knows what to change where: <c>UdpEchoServerOptions.Port (configuration key 'UdpEcho:Server:Port') must be ...</c>.
/// </remarks>
internal sealed class UdpEchoOptionsValidator(IEnumerable<UdpEchoConfigurationSection> sections)
    : IValidateOptions<UdpEchoServerOptions>, IValidateOptions<UdpEchoClientOptions>
{
    public ValidateOptionsResult Validate(string? name, UdpEchoServerOptions options) => Run<UdpEchoServerOptions>(options.Validate);

    public ValidateOptionsResult Validate(string? name, UdpEchoClientOptions options) => Run<UdpEchoClientOptions>(options.Validate);

    private ValidateOptionsResult Run<TOptions>(Action validate)
    {
        try
        {
            validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException e)
        {
            return ValidateOptionsResult.Fail(Describe(e, KeyOf<TOptions>(e.ParamName)));
        }
    }

    // The section that sets the key, the last one if several do (later calls win). None when the value came from code:
    // naming a key there would send the reader to the wrong place.
    private ConfigurationKey? KeyOf<TOptions>(string? parameterName) =>
        sections.Where(s => s.OptionsType == typeof(TOptions)).Select(s => s.KeyOf(parameterName)).LastOrDefault(k => k is { IsSet: true });

    /// <summary>The exception's sentence (see <see cref="Describe(ArgumentException)"/>) with the configuration key after the option's name.</summary>
    internal static string Describe(ArgumentException e, ConfigurationKey? key)
    {
        var message = Describe(e);
        if (key is null)
        {
            return message;
        }

        var where = $" (configuration key '{key.Path}')";
        return message.StartsWith(key.Option + " ", StringComparison.Ordinal)
            ? message.Insert(key.Option.Length, where)
            : message + where;
    }

    /// <summary>
    /// The exception's own sentence, without the " (Parameter 'Port')" and "Actual value was ..." that
    /// <see cref="ArgumentException.Message"/> appends: UdpEcho's messages already name the option and its value, and
    /// <see cref="OptionsValidationException.Message"/> joins failures on one line.
    /// </summary>
    internal static string Describe(ArgumentException e)
    {
        var message = e.Message;
        if (e is ArgumentOutOfRangeException { ActualValue: not null })
        {
            var newLine = message.LastIndexOf(Environment.NewLine, StringComparison.Ordinal);
            if (newLine >= 0)
            {
                message = message[..newLine];
            }
        }

        if (!string.IsNullOrEmpty(e.ParamName))
        {
            // Built by the runtime itself, so the suffix matches whatever language its resources are in.
            var suffix = new ArgumentException(string.Empty, e.ParamName).Message;
            if (message.EndsWith(suffix, StringComparison.Ordinal))
            {
                message = message[..^suffix.Length];
            }
        }

        return message;
    }
}
