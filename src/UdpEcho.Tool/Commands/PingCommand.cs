using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Threading.Channels;

namespace UdpEcho.Tool.Commands;

/// <summary>
/// <c>udpecho ping HOST:PORT</c>: probes an echo server one message at a time, in the spirit of <c>ping</c>: a line per
/// echo or timeout, then the statistics. Runs until <c>--count</c> is reached or Ctrl+C.
/// </summary>
internal static class PingCommand
{
    private static readonly TimeSpan ProgressRefresh = TimeSpan.FromMilliseconds(250);

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
        var printer = lines || progressLine ? PrintAsync(events.Reader, output, name, settings, progressLine) : Task.CompletedTask;

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
                result = await client.ProbeAsync(options, lines || progressLine ? new ChannelProgress(events.Writer) : null, cancellationToken).ConfigureAwait(false);
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
                await error.WriteLineAsync($"udpecho: {Describe(e, settings)}").ConfigureAwait(false);
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

    private static string Describe(Exception e, Settings settings) => e switch
    {
        OperationCanceledException => "interrupted before the first message was sent",
        ArgumentException when settings.Size > UdpEchoServerOptions.MaxIPv4DatagramSize =>
            $"--size {settings.Size} is too large for an IPv4 echo server: at most {UdpEchoServerOptions.MaxIPv4DatagramSize} bytes",
        _ => e.Message,
    };

    private static async Task PrintAsync(ChannelReader<UdpEchoProbeProgress> events, TextWriter output, string name, Settings settings, bool progressLine)
    {
        var lastDrawn = DateTime.MinValue;
        var drawn = false;
        await foreach (var e in events.ReadAllAsync().ConfigureAwait(false))
        {
            if (!progressLine)
            {
                await output.WriteLineAsync(Line(e, name, settings)).ConfigureAwait(false);
                continue;
            }

            var now = DateTime.UtcNow;
            if (now - lastDrawn >= ProgressRefresh)
            {
                lastDrawn = now;
                drawn = true;
                await output.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"\rudpecho: {e.Sent} sent, {e.Received} received, {Percent(e.Sent - e.Received - InFlight(e), e.Sent)} lost ")).ConfigureAwait(false);
                await output.FlushAsync().ConfigureAwait(false);
            }
        }

        if (drawn)
        {
            // Clear the progress line so the statistics start on a clean one.
            await output.WriteAsync($"\r{new string(' ', 72)}\r").ConfigureAwait(false);
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
        _ => Invariant($"no echo from {name}: seq={e.Sequence} within {settings.TimeoutMilliseconds} ms"),
    };

    internal static IEnumerable<string> Summary(UdpEchoProbeResult r, string name)
    {
        yield return $"--- {name} udpecho ping statistics ---";
        yield return Invariant($"{r.Sent} sent, {r.Received} received, {Percent(r.Lost, r.Sent)} loss, {r.Duplicates} duplicates, {r.Reordered} reordered, {r.Late} late, {r.Corrupt} corrupt");
        if (r.Received > 0)
        {
            var t = r.RoundTrip;
            yield return $"rtt min/mean/max/stddev = {Milliseconds(t.Min)}/{Milliseconds(t.Mean)}/{Milliseconds(t.Max)}/{Milliseconds(t.StandardDeviation)} ms";
            yield return $"rtt p50/p90/p99/p99.9 = {Milliseconds(t.P50)}/{Milliseconds(t.P90)}/{Milliseconds(t.P99)}/{Milliseconds(t.P999)} ms, jitter {Milliseconds(r.Jitter)} ms";
        }
    }

    private static string Percent(long part, long whole) =>
        (whole == 0 ? 0 : 100.0 * part / whole).ToString("0.###", CultureInfo.InvariantCulture) + "%";

    private static string Milliseconds(TimeSpan time) => time.TotalMilliseconds.ToString("0.000", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    internal sealed record Settings(EndPoint Target, int? Count, int IntervalMilliseconds, int TimeoutMilliseconds, int Size, bool Json, bool Quiet, bool Interactive);

    /// <summary>Hands each report to the printer and returns at once: reports come from the client's receive loop.</summary>
    private sealed class ChannelProgress(ChannelWriter<UdpEchoProbeProgress> writer) : IProgress<UdpEchoProbeProgress>
    {
        public void Report(UdpEchoProbeProgress value) => writer.TryWrite(value);
    }
}
