using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using static UdpEcho.Tool.Commands.ReportFormat;

namespace UdpEcho.Tool.Commands;

/// <summary>
/// <c>udpecho ping HOST:PORT</c>: probes an echo server one message at a time, in the spirit of <c>ping</c>: a line per
/// echo or timeout, then the statistics and a histogram of the round trips. Runs until <c>--count</c> is reached,
/// Ctrl+C, or its output is closed. With <c>--stamp</c>, a STAMP Session-Sender: each line and the summary add the
/// delay each way, the reflector's processing time, the loss by direction and the TTL (<see cref="StampLines"/>).
/// </summary>
internal static class PingCommand
{
    public static Command Create(bool interactive)
    {
        var target = ToolOptions.Target();
        var count = new Option<int?>("--count", "-c")
        {
            Description = "Stop after this many messages. Without it, ping runs until Ctrl+C.",
            CustomParser = result => ToolOptions.ParseInt(result, "--count", 1, int.MaxValue),
        };
        var interval = ToolOptions.Milliseconds("--interval", "-i", "Milliseconds from one send to the next; 0 sends each as soon as the last is answered or timed out (back to back).", 1000, 0);
        var rate = new Option<double?>("--rate", "-r")
        {
            Description = "Messages per second, instead of --interval: 1000 is an --interval of 1.",
            CustomParser = result => ToolOptions.ParseDouble(result, "--rate", 0, UdpEchoProbeOptions.MaxRate, minExclusive: true, $"a number of messages per second greater than 0 and at most {UdpEchoProbeOptions.MaxRate.ToString(CultureInfo.InvariantCulture)}"),
        };
        var timeout = ToolOptions.Milliseconds("--timeout", null, "Milliseconds to wait for each echo.", 1000, 1);
        var size = new Option<int>("--size", "-s")
        {
            Description = $"Bytes per message, {UdpEchoProbeOptions.MinSize} (the tag that identifies it) to 65527 (65507 over IPv4).",
            DefaultValueFactory = _ => 64,
            CustomParser = result => ToolOptions.ParseInt(result, "--size", UdpEchoProbeOptions.MinSize, UdpEchoServerOptions.MaxIPv6DatagramSize),
        };
        var warmUp = new Option<int>("--warmup")
        {
            Description = "Messages to send first and leave out of the statistics (their lines say warm-up).",
            HelpName = "N",
            CustomParser = result => ToolOptions.ParseInt(result, "--warmup", 0, int.MaxValue),
        };
        var json = ToolOptions.Json();
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only the statistics (and, on a terminal, a progress line meanwhile)." };
        var hgrm = ToolOptions.OutputFile("--hgrm", "Write the round-trip percentile distribution to FILE in HdrHistogram's format (milliseconds), for its plotter.");
        var samples = ToolOptions.OutputFile("--samples", "Write one JSON line per message to FILE: sequence, send time, round trip, outcome.");
        var stamp = StampOption();
        var ssid = new Option<int?>("--ssid")
        {
            Description = "With --stamp: the Session-Sender Identifier (RFC 8972), 0 to 65535. By default a random one.",
            HelpName = "N",
            CustomParser = result => ToolOptions.ParseInt(result, "--ssid", 0, ushort.MaxValue),
        };
        var command = new Command("ping", "Measure round trips, loss and jitter to a UDP echo server, or one-way delays and loss by direction to a STAMP reflector.")
        {
            target, count, interval, rate, timeout, size, warmUp, json, quiet, hgrm, samples, stamp, ssid,
        };
        command.Validators.Add(result =>
        {
            var sizeValue = ToolOptions.ValueOrDefault(result, size);
            ToolOptions.CheckSizeForTarget(result, ToolOptions.ValueOrDefault(result, target), sizeValue, $"--size {sizeValue}");
            if (result.GetResult(rate) is { Implicit: false } && result.GetResult(interval) is { Implicit: false })
            {
                result.AddError("--rate and --interval say the same thing: give one of them.");
            }

            var stamped = result.GetResult(stamp) is { Implicit: false };
            // The default size, 64, is a test packet's 44 and more; GetValue cannot tell it here.
            if (stamped && result.GetResult(size) is { Implicit: false } && sizeValue < UdpEchoProbeOptions.MinStampSize)
            {
                result.AddError($"--size {sizeValue} is too small for --stamp: a STAMP test packet is at least {UdpEchoProbeOptions.MinStampSize} bytes.");
            }

            if (!stamped && result.GetResult(ssid) is { Implicit: false })
            {
                result.AddError("--ssid names a STAMP session: give --stamp too.");
            }
        });
        command.SetAction((parse, cancellationToken) =>
        {
            var settings = new Settings(
                parse.GetValue(target)!,
                parse.GetValue(count),
                parse.GetValue(interval),
                parse.GetValue(rate),
                parse.GetValue(timeout),
                parse.GetValue(size),
                parse.GetValue(warmUp),
                parse.GetValue(json),
                parse.GetValue(quiet),
                interactive,
                parse.GetResult(stamp) is { Implicit: false, Tokens.Count: 0 } ? UdpEchoStampMode.Stateful : parse.GetValue(stamp),
                (ushort?)parse.GetValue(ssid));
            return RunAsync(settings, parse.GetValue(hgrm), parse.GetValue(samples), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(Settings settings, string? hgrmPath, string? samplesPath, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var name = ToolOptions.Format(settings.Target);
        var options = new UdpEchoProbeOptions
        {
            Count = settings.Count,
            Duration = settings.Count is null ? Timeout.InfiniteTimeSpan : null,
            Interval = settings.Rate is null ? TimeSpan.FromMilliseconds(settings.IntervalMilliseconds) : null,
            Rate = settings.Rate,
            Window = 1,
            Size = settings.Size,
            WarmUp = settings.WarmUp,
            Timeout = TimeSpan.FromMilliseconds(settings.TimeoutMilliseconds),
            StampMode = settings.Stamp,
            StampSessionId = settings.Ssid,
        };

        await using var files = OutputFiles.Open(hgrmPath, samplesPath, out var problem);
        if (files is null)
        {
            await error.WriteLineAsync($"udpecho: {problem}").ConfigureAwait(false);
            return UdpEchoCommand.UsageError;
        }

        // The header comes with the first line, so that an error found on the way (a size too large for the address a
        // name resolved to) is the only thing printed.
        var header = new Header(output, settings.Json ? null
            : settings.Stamp == UdpEchoStampMode.None ? $"UDPECHO {name}: {settings.Size} bytes per message"
            : $"UDPECHO {name}: {settings.Size} bytes per STAMP test packet, to a {StampLines.Word(settings.Stamp)} reflector");
        var lines = !settings.Json && !settings.Quiet;
        var progressLine = !settings.Json && settings.Quiet && settings.Interactive ? new ProgressLine(output) : null;
        var events = Channel.CreateUnbounded<UdpEchoProbeProgress>(new UnboundedChannelOptions { SingleReader = true });
        var printer = lines || progressLine is not null || files.Samples is not null
            ? PrintAsync(events.Reader, output, header, lines, progressLine, files.Samples, name, settings)
            : Task.CompletedTask;

        UdpEchoProbeResult result;
        var interrupted = false;
        var clock = Stopwatch.StartNew();
        await using (var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = settings.Target }))
        {
            try
            {
                result = await client.ProbeAsync(options, printer.IsCompleted ? null : new ChannelProgress<UdpEchoProbeProgress>(events.Writer), cancellationToken).ConfigureAwait(false);
            }
            catch (UdpEchoProbeCanceledException e) when (e.Result is not null)
            {
                // Ctrl+C, or the output closed: the normal ways to stop a ping without --count.
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
        }

        var elapsed = clock.Elapsed;
        await printer.ConfigureAwait(false);
        if (files.Hgrm is not null)
        {
            result.RoundTrip.WritePercentileDistribution(files.Hgrm);
        }

        if (settings.Json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(PingReport.From(result, name, settings.Size, interrupted), ToolJsonContext.Default.PingReport)).ConfigureAwait(false);
        }
        else
        {
            await header.WriteOnceAsync().ConfigureAwait(false);
            foreach (var line in Summary(result, name, elapsed))
            {
                await output.WriteLineAsync(line).ConfigureAwait(false);
            }
        }

        // As ping: success when anything came back.
        return result.Received > 0 ? 0 : 1;
    }

    private static async Task PrintAsync(
        ChannelReader<UdpEchoProbeProgress> events, TextWriter output, Header header, bool lines, ProgressLine? progressLine, TextWriter? samples, string name, Settings settings)
    {
        await foreach (var e in events.ReadAllAsync().ConfigureAwait(false))
        {
            if (samples is not null && ProbeSample.From(e) is { } sample)
            {
                await samples.WriteLineAsync(JsonSerializer.Serialize(sample, ToolJsonLinesContext.Default.ProbeSample)).ConfigureAwait(false);
            }

            if (lines)
            {
                await header.WriteOnceAsync().ConfigureAwait(false);
                await output.WriteLineAsync(Line(e, name, settings)).ConfigureAwait(false);
            }
            else if (progressLine is not null)
            {
                await progressLine.UpdateAsync(() => Invariant($"udpecho: {e.Sent} sent, {e.Received} received, {Percent(e.Lost, e.Sent)} lost")).ConfigureAwait(false);
            }
        }

        if (progressLine is not null)
        {
            await progressLine.ClearAsync().ConfigureAwait(false);
        }
    }

    internal static string Line(UdpEchoProbeProgress e, string name, Settings settings)
    {
        var stamp = StampLines.Reply(e.Stamp);
        var line = e.Outcome switch
        {
            UdpEchoProbeOutcome.Answered => Invariant($"{e.Length} bytes from {name}: seq={e.Sequence} time={Milliseconds(e.RoundTripTime)} ms{stamp}{(e.Reordered ? " (reordered)" : string.Empty)}"),
            UdpEchoProbeOutcome.Duplicate => Invariant($"{e.Length} bytes from {name}: seq={e.Sequence} time={Milliseconds(e.RoundTripTime)} ms{stamp} (DUP!)"),
            UdpEchoProbeOutcome.Late => Invariant($"{e.Length} bytes from {name}: seq={e.Sequence} time={Milliseconds(e.RoundTripTime)} ms{stamp} (late: already counted lost)"),
            UdpEchoProbeOutcome.Corrupt => Invariant($"{e.Length} bytes from {name}: seq={e.Sequence} corrupt: not the {settings.Size} bytes sent"),
            UdpEchoProbeOutcome.Truncated => Invariant($"{e.Length} bytes from {name}: seq={e.Sequence} truncated: {e.Length} of the {settings.Size} bytes sent came back"),
            UdpEchoProbeOutcome.Unreachable => Invariant($"from {name}: seq={e.Sequence} destination unreachable"),
            _ => Invariant($"no echo from {name}: seq={e.Sequence} within {settings.TimeoutMilliseconds} ms"),
        };
        return e.IsWarmUp ? line + " (warm-up)" : line;
    }

    internal static IEnumerable<string> Summary(UdpEchoProbeResult r, string name, TimeSpan elapsed)
    {
        yield return $"--- {name} udpecho ping statistics ---";
        yield return Invariant($"{r.Sent} sent, {r.Received} received, {Percent(r.Lost, r.Sent)} loss, {r.Duplicates} duplicates, {r.Reordered} reordered, {r.Late} late, {r.Corrupt} corrupt, {r.Truncated} truncated, {r.Unreachable} unreachable");
        yield return Invariant($"time {elapsed.TotalMilliseconds:0} ms, {r.AchievedRate:0.##} messages/s");
        if (r.Received > 0)
        {
            var (spread, percentiles) = RoundTripLines(r.RoundTrip);
            yield return spread;
            yield return $"{percentiles}, jitter {Milliseconds(r.Jitter)} ms";
        }

        foreach (var line in r.Stamp is null ? [] : StampLines.Summary(r.Stamp, r.Received))
        {
            yield return line;
        }

        if (r.Received > 0)
        {
            foreach (var row in HistogramChart.Draw(r.RoundTrip))
            {
                yield return row;
            }
        }
    }

    /// <summary>
    /// Writes out the mode of a bare <c>--stamp</c>: last, before another option, or before HOST:PORT (which has a
    /// colon, as no mode does). The parser would take the next word as the option's value, which may be left out but,
    /// once there, is whatever word comes next; and it gives a bare option its default, not what its parser says.
    /// </summary>
    /// <param name="args">The command line.</param>
    /// <returns>The command line, with <c>stateful</c> after every <c>--stamp</c> that needs it.</returns>
    internal static string[] SpellOutBareStamp(string[] args)
    {
        if (args.Length == 0 || args[0] != "ping")
        {
            return args;
        }

        var spelled = new List<string>(args.Length + 1);
        for (var i = 0; i < args.Length; i++)
        {
            spelled.Add(args[i]);
            if (args[i] == "--")
            {
                spelled.AddRange(args[(i + 1)..]);
                break;
            }

            if (args[i] == "--stamp" && (i + 1 == args.Length || args[i + 1].StartsWith('-') || args[i + 1].Contains(':', StringComparison.Ordinal)))
            {
                spelled.Add("stateful");
            }
        }

        return [.. spelled];
    }

    private static bool IsStampMode(string word) =>
        string.Equals(word, "stateful", StringComparison.OrdinalIgnoreCase) || string.Equals(word, "stateless", StringComparison.OrdinalIgnoreCase);

    /// <summary><c>--stamp [stateful|stateless]</c>: a bare <c>--stamp</c> is stateful.</summary>
    private static Option<UdpEchoStampMode> StampOption() => new("--stamp")
    {
        Description = "Be a STAMP (RFC 8762) Session-Sender: send STAMP test packets to a STAMP reflector (udpecho serve --stamp, a router) and report one-way delays, the reflector's processing time and the loss each way. Says what the reflector is: stateful (the default; splits the loss by direction) or stateless.",
        HelpName = "stateful|stateless",
        Arity = ArgumentArity.ZeroOrOne,

        // No declared default: the help would print "None", which --stamp does not take. Absent, it reads as None.
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "stateful";
            if (!IsStampMode(text))
            {
                result.AddError($"--stamp '{text}' is not stateful or stateless.");
            }

            return string.Equals(text, "stateless", StringComparison.OrdinalIgnoreCase) ? UdpEchoStampMode.Stateless : UdpEchoStampMode.Stateful;
        },
    };

    internal sealed record Settings(
        EndPoint Target,
        int? Count,
        int IntervalMilliseconds,
        double? Rate,
        int TimeoutMilliseconds,
        int Size,
        int WarmUp,
        bool Json,
        bool Quiet,
        bool Interactive,
        UdpEchoStampMode Stamp = UdpEchoStampMode.None,
        ushort? Ssid = null);

    /// <summary>A header line written once, before whatever comes first; nothing when there is none.</summary>
    private sealed class Header(TextWriter output, string? text)
    {
        private bool _written;

        public async Task WriteOnceAsync()
        {
            if (!_written && text is not null)
            {
                _written = true;
                await output.WriteLineAsync(text).ConfigureAwait(false);
            }
        }
    }
}
