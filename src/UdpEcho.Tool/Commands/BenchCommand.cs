using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using static UdpEcho.Tool.Commands.ReportFormat;

namespace UdpEcho.Tool.Commands;

/// <summary>
/// <c>udpecho bench HOST:PORT</c> (or <c>--target HOST:PORT</c>): loads an echo server for a set time with <see cref="UdpEchoBenchmark"/>, a
/// flood or a ping-pong, checking every echoed byte; prints the figures in text or JSON. Exits 1 when no echo came
/// back intact or any came back corrupt, as the reference C load generator does.
/// </summary>
internal static class BenchCommand
{
    private const double MaxSeconds = 86_400;

    public static Command Create(bool interactive)
    {
        var target = ToolOptions.OptionalTarget();
        var targetOption = ToolOptions.TargetOption();
        // Typed as the word, so that help shows the default as it is typed.
        var mode = new Option<string>("--mode", "-m")
        {
            Description = "flood keeps --window datagrams in flight; pingpong keeps one.",
            HelpName = "flood|pingpong",
            DefaultValueFactory = _ => ModeName(UdpEchoBenchmarkMode.Flood),
            CustomParser = ParseMode,
        };
        var size = new Option<int>("--size", "-s")
        {
            Description = $"Bytes per datagram, 0 to {UdpEchoServerOptions.MaxIPv6DatagramSize} ({UdpEchoServerOptions.MaxIPv4DatagramSize} over IPv4). From {UdpEchoBenchmarkOptions.HeaderSize} up, each echo is matched to its own datagram.",
            DefaultValueFactory = _ => 64,
            CustomParser = result => ToolOptions.ParseInt(result, "--size", 0, UdpEchoServerOptions.MaxIPv6DatagramSize),
        };
        var duration = Seconds("--duration", "-d", "Seconds to send for, such as 10 or 0.5.", 10, minExclusive: true);
        var window = new Option<int?>("--window", "-w")
        {
            Description = $"Datagrams in flight in a flood, 1 to {UdpEchoBenchmarkOptions.MaxWindow}. Default: {UdpEchoBenchmarkOptions.DefaultWindow} (flood), 1 (pingpong).",
            CustomParser = result => ToolOptions.ParseInt(result, "--window", 1, UdpEchoBenchmarkOptions.MaxWindow),
        };
        var timeout = ToolOptions.Milliseconds("--timeout", "Milliseconds to wait for each echo before it counts as lost and frees its place in the window.", 1000, 1);
        var warmUp = Seconds("--warmup", null, "Seconds to send first and leave out of every figure.", 0, minExclusive: false);
        var maxLoss = new Option<double?>("--max-loss")
        {
            Description = "Exit 1 when more than this percentage of the datagrams was lost, as a CI check: 0.1 allows one in a thousand.",
            HelpName = "PERCENT",
            CustomParser = result => ToolOptions.ParseDouble(result, "--max-loss", 0, 100, minExclusive: false, "a percentage from 0 to 100"),
        };
        var json = ToolOptions.Json();
        var hgrm = ToolOptions.OutputFile("--hgrm", "Write the round-trip percentile distribution to FILE in HdrHistogram's format (milliseconds), for its plotter.");
        var command = new Command("bench", "Load a UDP echo server with a flood or a ping-pong; check every echoed byte; report echoes/s, loss and round trips.")
        {
            target, targetOption, mode, size, duration, window, timeout, warmUp, maxLoss, json, hgrm,
        };
        command.Validators.Add(result =>
        {
            var given = ToolOptions.ValueOrDefault(result, target);
            var named = ToolOptions.ValueOrDefault(result, targetOption);
            var positional = result.GetResult(target) is { Tokens.Count: > 0 };
            var option = result.GetResult(targetOption) is { Tokens.Count: > 0 };
            if (positional && option)
            {
                result.AddError("Give the server once: as HOST:PORT or with --target, not both.");
            }
            else if (!positional && !option)
            {
                result.AddError("Required argument missing: HOST:PORT (or --target HOST:PORT).");
            }

            ToolOptions.CheckSizeForTarget(result, given ?? named, ToolOptions.ValueOrDefault(result, size), $"--size {ToolOptions.ValueOrDefault(result, size)}");
        });
        command.Validators.Add(result =>
        {
            // From the tokens: GetValue would throw for a value its own parser has already rejected.
            var modeText = result.GetResult(mode)?.Tokens.FirstOrDefault()?.Value;
            var windowText = result.GetResult(window)?.Tokens.FirstOrDefault()?.Value;
            if (string.Equals(modeText, ModeName(UdpEchoBenchmarkMode.PingPong), StringComparison.OrdinalIgnoreCase)
                && int.TryParse(windowText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var w) && w > 1)
            {
                result.AddError($"--window {w} does not go with --mode pingpong, which keeps one datagram in flight.");
            }
        });
        command.SetAction((parse, cancellationToken) =>
        {
            var chosenMode = ToMode(parse.GetValue(mode));
            var settings = new Settings(
                (parse.GetValue(target) ?? parse.GetValue(targetOption))!,
                chosenMode,
                parse.GetValue(size),
                parse.GetValue(duration),
                parse.GetValue(window) ?? (chosenMode == UdpEchoBenchmarkMode.PingPong ? 1 : UdpEchoBenchmarkOptions.DefaultWindow),
                parse.GetValue(timeout),
                parse.GetValue(warmUp),
                parse.GetValue(maxLoss),
                parse.GetValue(json),
                interactive);
            return RunAsync(settings, parse.GetValue(hgrm), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken);
        });
        return command;
    }

    internal static string ModeName(UdpEchoBenchmarkMode mode) => mode == UdpEchoBenchmarkMode.PingPong ? "pingpong" : "flood";

    private static UdpEchoBenchmarkMode ToMode(string? name) => name == "pingpong" ? UdpEchoBenchmarkMode.PingPong : UdpEchoBenchmarkMode.Flood;

    internal static IEnumerable<string> Summary(UdpEchoBenchmarkResult r, string name)
    {
        yield return $"--- {name} udpecho bench statistics ---";
        yield return Invariant($"{r.Sent} sent, {r.Received} received, {Percent(r.Lost, r.Sent)} loss, {r.Corrupt} corrupt, {r.Truncated} truncated, {r.Unmatched} unmatched");
        yield return Invariant($"{r.EchoesPerSecond:0.0} echoes/s in {r.Elapsed.TotalSeconds:0.000} s");
        if (r.Received > 0)
        {
            var (spread, percentiles) = RoundTripLines(r.RoundTrip);
            yield return spread;
            yield return percentiles;
            foreach (var row in HistogramChart.Draw(r.RoundTrip))
            {
                yield return row;
            }
        }
    }

    private static async Task<int> RunAsync(Settings settings, string? hgrmPath, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        await using var files = OutputFiles.Open(hgrmPath, null, out var problem);
        if (files is null)
        {
            await error.WriteLineAsync($"udpecho: {problem}").ConfigureAwait(false);
            return UdpEchoCommand.UsageError;
        }

        var name = ToolOptions.Format(settings.Target);
        var options = new UdpEchoBenchmarkOptions
        {
            RemoteEndPoint = settings.Target,
            Mode = settings.Mode,
            Size = settings.Size,
            Duration = TimeSpan.FromSeconds(settings.DurationSeconds),
            Window = settings.Window,
            Timeout = TimeSpan.FromMilliseconds(settings.TimeoutMilliseconds),
            WarmUp = TimeSpan.FromSeconds(settings.WarmUpSeconds),
        };

        if (!settings.Json)
        {
            await output.WriteLineAsync(Invariant($"UDPECHO bench {name}: {ModeName(settings.Mode)}, {settings.Size} bytes per datagram, window {settings.Window}, {settings.DurationSeconds:0.###} s")).ConfigureAwait(false);
        }

        // A progress line only for a person watching a terminal; never in JSON or redirected output.
        var progressLine = settings.Interactive && !settings.Json;
        var events = Channel.CreateUnbounded<UdpEchoBenchmarkProgress>(new UnboundedChannelOptions { SingleReader = true });
        var printer = progressLine
            ? ProgressLine.DrawAsync(events.Reader, output, e => Invariant($"udpecho: {e.Elapsed.TotalSeconds:0.0} s, {e.Sent} sent, {e.Received} received, {e.Lost} lost, {e.Corrupt} corrupt"))
            : Task.CompletedTask;

        UdpEchoBenchmarkResult result;
        var interrupted = false;
        try
        {
            result = await UdpEchoBenchmark.RunAsync(options, progressLine ? new ChannelProgress<UdpEchoBenchmarkProgress>(events.Writer) : null, cancellationToken).ConfigureAwait(false);
        }
        catch (UdpEchoBenchmarkCanceledException e) when (e.Result is not null)
        {
            // Ctrl+C: stop early and report what was measured.
            result = e.Result;
            interrupted = true;
        }
        catch (Exception e) when (e is UdpEchoException or OperationCanceledException or ArgumentException)
        {
            events.Writer.TryComplete();
            await printer.ConfigureAwait(false);
            if (e is ArgumentException)
            {
                await error.WriteLineAsync($"udpecho: {Describe(e, settings.Size, settings.Target)}").ConfigureAwait(false);
                return UdpEchoCommand.UsageError;
            }

            await ReportFailureAsync(output, error, settings.Json, settings.Target, Describe(e, settings.Size, settings.Target)).ConfigureAwait(false);
            return 1;
        }
        finally
        {
            events.Writer.TryComplete();
        }

        await printer.ConfigureAwait(false);
        if (files.Hgrm is not null)
        {
            result.RoundTrip.WritePercentileDistribution(files.Hgrm);
        }

        if (settings.Json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(BenchReport.From(result, settings, name, interrupted), ToolJsonContext.Default.BenchReport)).ConfigureAwait(false);
        }
        else
        {
            foreach (var line in Summary(result, name))
            {
                await output.WriteLineAsync(line).ConfigureAwait(false);
            }
        }

        if (settings.MaxLossPercent is { } maxLoss && result.LossPercent > maxLoss)
        {
            await error.WriteLineAsync(Invariant($"udpecho: {Percent(result.Lost, result.Sent)} of the datagrams were lost, more than --max-loss {maxLoss}%.")).ConfigureAwait(false);
            return 1;
        }

        return result.Received > 0 && result.Corrupt == 0 ? 0 : 1;
    }

    private static string ParseMode(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        foreach (var mode in (ReadOnlySpan<UdpEchoBenchmarkMode>)[UdpEchoBenchmarkMode.Flood, UdpEchoBenchmarkMode.PingPong])
        {
            if (string.Equals(text, ModeName(mode), StringComparison.OrdinalIgnoreCase))
            {
                return ModeName(mode);
            }
        }

        result.AddError($"--mode '{text}' is not flood or pingpong.");
        return ModeName(UdpEchoBenchmarkMode.Flood);
    }

    private static Option<double> Seconds(string name, string? alias, string description, double defaultValue, bool minExclusive)
    {
        var what = minExclusive ? $"a number of seconds greater than 0 and at most {MaxSeconds}" : $"a number of seconds from 0 to {MaxSeconds}";
        var option = alias is null ? new Option<double>(name) : new Option<double>(name, alias);
        option.Description = description;
        option.DefaultValueFactory = _ => defaultValue;
        option.CustomParser = result => ToolOptions.ParseDouble(result, name, 0, MaxSeconds, minExclusive, what);
        return option;
    }

    internal sealed record Settings(EndPoint Target, UdpEchoBenchmarkMode Mode, int Size, double DurationSeconds, int Window, int TimeoutMilliseconds, double WarmUpSeconds, double? MaxLossPercent, bool Json, bool Interactive);
}
