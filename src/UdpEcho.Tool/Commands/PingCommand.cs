using System.CommandLine;
using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using static UdpEcho.Tool.Commands.ReportFormat;

namespace UdpEcho.Tool.Commands;

/// <summary>
/// <c>udpecho ping HOST:PORT</c>: probes an echo server one message at a time, in the spirit of <c>ping</c>: a line per
/// echo or timeout, then the statistics. Runs until <c>--count</c> is reached or Ctrl+C.
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
        var interval = ToolOptions.Milliseconds("--interval", "Milliseconds from one send to the next; 0 sends the next as soon as the last is answered or timed out.", 1000, 0);
        var timeout = ToolOptions.Milliseconds("--timeout", "Milliseconds to wait for each echo.", 1000, 1);
        var size = new Option<int>("--size", "-s")
        {
            Description = $"Bytes per message, {UdpEchoProbeOptions.MinSize} (the tag that identifies it) to 65527.",
            DefaultValueFactory = _ => 64,
            CustomParser = result => ToolOptions.ParseInt(result, "--size", UdpEchoProbeOptions.MinSize, UdpEchoServerOptions.MaxIPv6DatagramSize),
        };
        var json = ToolOptions.Json();
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only the statistics (and, on a terminal, a progress line meanwhile)." };
        var command = new Command("ping", "Measure round trips, loss and jitter to a UDP echo server.") { target, count, interval, timeout, size, json, quiet };
        command.SetAction((parse, cancellationToken) =>
        {
            var settings = new Settings(
                parse.GetValue(target)!,
                parse.GetValue(count),
                parse.GetValue(interval),
                parse.GetValue(timeout),
                parse.GetValue(size),
                parse.GetValue(json),
                parse.GetValue(quiet),
                interactive);
            return RunAsync(settings, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(Settings settings, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var name = ToolOptions.Format(settings.Target);
        var options = new UdpEchoProbeOptions
        {
            Count = settings.Count,
            Duration = settings.Count is null ? Timeout.InfiniteTimeSpan : null,
            Interval = TimeSpan.FromMilliseconds(settings.IntervalMilliseconds),
            Window = 1,
            Size = settings.Size,
            Timeout = TimeSpan.FromMilliseconds(settings.TimeoutMilliseconds),
        };

        // Per-message lines in text mode; a progress line instead with --quiet, and only on a terminal; nothing with --json.
        var lines = !settings.Json && !settings.Quiet;
        var progressLine = !settings.Json && settings.Quiet && settings.Interactive;
        var events = Channel.CreateUnbounded<UdpEchoProbeProgress>(new UnboundedChannelOptions { SingleReader = true });
        var printer = lines ? PrintLinesAsync(events.Reader, output, name, settings)
            : progressLine ? ProgressLine.DrawAsync(events.Reader, output, e => Invariant($"udpecho: {e.Sent} sent, {e.Received} received, {Percent(e.Sent - e.Received - InFlight(e), e.Sent)} lost"))
            : Task.CompletedTask;

        if (!settings.Json)
        {
            await output.WriteLineAsync($"UDPECHO {name}: {settings.Size} bytes per message").ConfigureAwait(false);
        }

        UdpEchoProbeResult result;
        var interrupted = false;
        await using (var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = settings.Target }))
        {
            try
            {
                result = await client.ProbeAsync(options, lines || progressLine ? new ChannelProgress<UdpEchoProbeProgress>(events.Writer) : null, cancellationToken).ConfigureAwait(false);
            }
            catch (UdpEchoProbeCanceledException e) when (e.Result is not null)
            {
                // Ctrl+C: the normal way to stop a ping without --count.
                result = e.Result;
                interrupted = true;
            }
            catch (Exception e) when (e is UdpEchoException or OperationCanceledException or ArgumentException)
            {
                events.Writer.TryComplete();
                await printer.ConfigureAwait(false);
                await error.WriteLineAsync($"udpecho: {ReportFormat.Describe(e, settings.Size)}").ConfigureAwait(false);
                return 1;
            }
            finally
            {
                events.Writer.TryComplete();
            }
        }

        await printer.ConfigureAwait(false);
        if (settings.Json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(PingReport.From(result, name, settings.Size, interrupted), ToolJsonContext.Default.PingReport)).ConfigureAwait(false);
        }
        else
        {
            foreach (var line in Summary(result, name))
            {
                await output.WriteLineAsync(line).ConfigureAwait(false);
            }
        }

        // As ping: success when anything came back.
        return result.Received > 0 ? 0 : 1;
    }

    private static async Task PrintLinesAsync(ChannelReader<UdpEchoProbeProgress> events, TextWriter output, string name, Settings settings)
    {
        await foreach (var e in events.ReadAllAsync().ConfigureAwait(false))
        {
            await output.WriteLineAsync(Line(e, name, settings)).ConfigureAwait(false);
        }
    }

    // With a window of one, the probe just sent may still be waiting: it is not lost yet.
    private static long InFlight(UdpEchoProbeProgress e) => Math.Max(0, e.Sent - e.Received - e.Lost);

    internal static string Line(UdpEchoProbeProgress e, string name, Settings settings) => e.Outcome switch
    {
        UdpEchoProbeOutcome.Answered => Invariant($"{e.Length} bytes from {name}: seq={e.Sequence} time={Milliseconds(e.RoundTripTime)} ms{(e.Reordered ? " (reordered)" : string.Empty)}"),
        UdpEchoProbeOutcome.Duplicate => Invariant($"{e.Length} bytes from {name}: seq={e.Sequence} time={Milliseconds(e.RoundTripTime)} ms (DUP!)"),
        UdpEchoProbeOutcome.Late => Invariant($"{e.Length} bytes from {name}: seq={e.Sequence} time={Milliseconds(e.RoundTripTime)} ms (late: already counted lost)"),
        UdpEchoProbeOutcome.Corrupt => Invariant($"{e.Length} bytes from {name}: seq={e.Sequence} corrupt: not the {settings.Size} bytes sent"),
        UdpEchoProbeOutcome.Truncated => Invariant($"{e.Length} bytes from {name}: seq={e.Sequence} truncated: {e.Length} of the {settings.Size} bytes sent came back"),
        UdpEchoProbeOutcome.Unreachable => Invariant($"from {name}: seq={e.Sequence} destination unreachable"),
        _ => Invariant($"no echo from {name}: seq={e.Sequence} within {settings.TimeoutMilliseconds} ms"),
    };

    internal static IEnumerable<string> Summary(UdpEchoProbeResult r, string name)
    {
        yield return $"--- {name} udpecho ping statistics ---";
        yield return Invariant($"{r.Sent} sent, {r.Received} received, {Percent(r.Lost, r.Sent)} loss, {r.Duplicates} duplicates, {r.Reordered} reordered, {r.Late} late, {r.Corrupt} corrupt, {r.Truncated} truncated, {r.Unreachable} unreachable");
        if (r.Received > 0)
        {
            var (spread, percentiles) = RoundTripLines(r.RoundTrip);
            yield return spread;
            yield return $"{percentiles}, jitter {Milliseconds(r.Jitter)} ms";
        }
    }

    internal sealed record Settings(EndPoint Target, int? Count, int IntervalMilliseconds, int TimeoutMilliseconds, int Size, bool Json, bool Quiet, bool Interactive);
}
