using Microsoft.Extensions.Options;
using UdpEcho;

namespace UdpEcho.Hosting;

/// <summary>
/// Runs the options' own <c>Validate()</c>, so that DI reports exactly what <c>new UdpEchoServer(options)</c> would,
/// as an <see cref="OptionsValidationException"/> at host start rather than an <see cref="ArgumentException"/> on first use.
/// </summary>
internal sealed class UdpEchoOptionsValidator : IValidateOptions<UdpEchoServerOptions>, IValidateOptions<UdpEchoClientOptions>
{
    public ValidateOptionsResult Validate(string? name, UdpEchoServerOptions options) => Run(options.Validate);

    public ValidateOptionsResult Validate(string? name, UdpEchoClientOptions options) => Run(options.Validate);

    private static ValidateOptionsResult Run(Action validate)
    {
        try
        {
            validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException e)
        {
            return ValidateOptionsResult.Fail(Describe(e));
        }
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
