using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace UdpEcho.Hosting;

/// <summary>
/// Binds a configuration section onto UdpEcho options strictly: a key that is no option (<c>Adress</c>) stops start-up
/// instead of being ignored while the server binds its default, and every error names its configuration key. The
/// known keys are the options types' own properties, so an option added to them is bound and known with no code here.
/// </summary>
internal static class StrictConfiguration
{
    internal const string BinderNeedsReflection =
        "Binds UdpEchoServerOptions or UdpEchoClientOptions with the reflection-based configuration binder. For trimmed or native AOT applications, use the overload taking an Action and bind there.";

    /// <summary>Checks every key under <paramref name="configuration"/>, then binds it with the configuration binder.</summary>
    /// <exception cref="OptionsValidationException">A key is unknown, or the binder cannot convert a value; the message names the key.</exception>
    [RequiresUnreferencedCode(BinderNeedsReflection)]
    [RequiresDynamicCode(BinderNeedsReflection)]
    public static void Bind<TOptions>(IConfiguration configuration, TOptions options)
        where TOptions : class
    {
        ThrowOnUnknownKeys(configuration, typeof(TOptions), typeof(TOptions), typeof(TOptions).Name);
        try
        {
            // ErrorOnUnknownConfiguration as well: should the binder ever see a key the check above let through, it stops too.
            configuration.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            // "Failed to convert configuration value at 'UdpEcho:Server:Port' to type 'System.Int32'.": it names the key;
            // thrown as every other bad setting is, so an application handles one exception type.
            throw new OptionsValidationException(Options.DefaultName, typeof(TOptions), [e.Message]);
        }
    }

    /// <summary>
    /// Where, under <paramref name="configuration"/>, the option that an <see cref="ArgumentException.ParamName"/> names is
    /// configured: <c>Port</c> is <c>UdpEcho:Server:Port</c>, <c>LossProbability</c> is <c>UdpEcho:Server:Impairment:LossProbability</c>.
    /// </summary>
    [RequiresUnreferencedCode(BinderNeedsReflection)]
    public static ConfigurationKey? KeyOf<TOptions>(IConfiguration configuration, string? parameterName)
    {
        if (string.IsNullOrEmpty(parameterName) || FindProperty(typeof(TOptions), parameterName) is not { } names)
        {
            return null;
        }

        var relative = string.Join(ConfigurationPath.KeyDelimiter, names);
        var path = configuration is IConfigurationSection section ? ConfigurationPath.Combine(section.Path, relative) : relative;
        return new ConfigurationKey($"{typeof(TOptions).Name}.{string.Join('.', names)}", path, configuration.GetSection(relative).Exists());
    }

    [RequiresUnreferencedCode(BinderNeedsReflection)]
    private static void ThrowOnUnknownKeys(IConfiguration configuration, Type optionsType, Type type, string option)
    {
        foreach (var child in configuration.GetChildren())
        {
            var property = type.GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null)
            {
                throw new OptionsValidationException(Options.DefaultName, optionsType, [
                    $"Unknown configuration key '{child.Path}': {option} has no option '{child.Key}'.{Suggest(type, child.Key)}"]);
            }

            // An options object inside the options (Impairment) is checked key by key too.
            if (IsOptionsObject(property.PropertyType))
            {
                ThrowOnUnknownKeys(child, optionsType, property.PropertyType, $"{option}.{property.Name}");
            }
        }
    }

    [RequiresUnreferencedCode(BinderNeedsReflection)]
    private static string[]? FindProperty(Type type, string name)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.Name == name)
            {
                return [property.Name];
            }

            if (IsOptionsObject(property.PropertyType) && FindProperty(property.PropertyType, name) is { } inner)
            {
                return [property.Name, .. inner];
            }
        }

        return null;
    }

    private static bool IsOptionsObject(Type type) => type.IsClass && type.Assembly == typeof(UdpEchoServerOptions).Assembly;

    // A misspelling is likelier than a wish: name the option one or two letters away, else list them all.
    [RequiresUnreferencedCode(BinderNeedsReflection)]
    private static string Suggest(Type type, string key)
    {
        var names = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).ToList();
        var closest = names.MinBy(n => Distance(n.ToUpperInvariant(), key.ToUpperInvariant()));
        return closest is not null && Distance(closest.ToUpperInvariant(), key.ToUpperInvariant()) <= 2
            ? $" Did you mean '{closest}'?"
            : $" The options are: {string.Join(", ", names)}.";
    }

    // Levenshtein distance, two rows.
    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}

/// <summary>Where an option is configured: <c>UdpEchoServerOptions.Port</c> at <c>UdpEcho:Server:Port</c>, and whether the section sets it.</summary>
internal sealed record ConfigurationKey(string Option, string Path, bool IsSet);

/// <summary>A configuration section that options of <see cref="OptionsType"/> are bound from, kept so that validation can name keys.</summary>
internal sealed class UdpEchoConfigurationSection(Type optionsType, Func<string?, ConfigurationKey?> keyOf)
{
    public Type OptionsType { get; } = optionsType;

    public ConfigurationKey? KeyOf(string? parameterName) => keyOf(parameterName);
}
