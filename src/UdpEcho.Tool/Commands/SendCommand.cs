using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using static UdpEcho.Tool.Commands.ReportFormat;

namespace UdpEcho.Tool.Commands;

/// <summary>
/// <c>udpecho send HOST:PORT MESSAGE</c>: the message, its echo and the round trip, <c>--count</c> times one after the
/// other. Exits 1 when any message got no echo (or a truncated one).
/// </summary>
/// <remarks>
/// The client readies its socket and receive thread before the first send, so even a single message reports the
/// network's round trip, not the tool's start-up.
/// </remarks>
internal static class SendCommand
{
    public static Command Create()
    {
        var target = ToolOptions.Target();
        var message = new Argument<string>("MESSAGE") { Description = "The text to send, as UTF-8." };
        var count = new Option<int>("--count", "-c")
        {
            Description = "Send the message this many times, each after the last one's echo.",
            DefaultValueFactory = _ => 1,
            CustomParser = result => ToolOptions.ParseInt(result, "--count", 1, int.MaxValue),
        };
        var timeout = ToolOptions.Milliseconds("--timeout", "Milliseconds the first attempt waits for the echo; each retry waits twice as long as the one before.", 1000, 1);
        var retries = new Option<int>("--retries")
        {
            Description = $"Send a message again this many times when no echo comes, 0 to {UdpEchoClientOptions.MaxRetries}.",
            HelpName = "N",
            CustomParser = result => ToolOptions.ParseInt(result, "--retries", 0, UdpEchoClientOptions.MaxRetries),
        };
        var json = ToolOptions.Json();
        var command = new Command("send", "Send a message to a UDP echo server and print the echo and its round trip.") { target, message, count, timeout, retries, json };
        command.Validators.Add(result =>
        {
            var bytes = ToolOptions.ValueOrDefault(result, message) is { } text ? Encoding.UTF8.GetByteCount(text) : 0;
            if (bytes > UdpEchoServerOptions.MaxIPv6DatagramSize)
            {
                result.AddError($"The message is {bytes} bytes: a UDP datagram carries at most {UdpEchoServerOptions.MaxIPv6DatagramSize}.");
            }
            else
            {
                ToolOptions.CheckSizeForTarget(result, ToolOptions.ValueOrDefault(result, target), bytes, $"The message of {bytes} bytes");
            }
        });
        command.SetAction((parse, cancellationToken) => RunAsync(
            new Settings(parse.GetValue(target)!, parse.GetValue(message)!, parse.GetValue(count), parse.GetValue(timeout), parse.GetValue(retries), parse.GetValue(json)),
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(Settings settings, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var name = ToolOptions.Format(settings.Target);
        var payload = Encoding.UTF8.GetBytes(settings.Message);
        var replies = new List<SendReply>();
        string? remote = null;
        var clock = Stopwatch.StartNew();
        await using (var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = settings.Target, Timeout = TimeSpan.FromMilliseconds(settings.TimeoutMilliseconds), Retries = settings.Retries }))
        {
            for (var sequence = 0; sequence < settings.Count; sequence++)
            {
                try
                {
                    if (sequence == 0)
                    {
                        // Connected first, so that the connect's own work (a thread started, code compiled) is over
                        // before the timed message leaves, not competing with its echo for a core.
                        await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
                    }

                    var reply = await client.SendAndReceiveAsync(payload, cancellationToken).ConfigureAwait(false);
                    remote = reply.RemoteEndPoint.ToString();
                    replies.Add(new SendReply(sequence, Microseconds(reply.RoundTripTime), reply.Attempts, null));
                    if (!settings.Json)
                    {
                        var attempts = reply.Attempts > 1 ? Invariant($" ({reply.Attempts} attempts)") : string.Empty;
                        await output.WriteLineAsync(Invariant($"{reply.Payload.Length} bytes from {reply.RemoteEndPoint} in {Milliseconds(reply.RoundTripTime)} ms{attempts}: {Encoding.UTF8.GetString(reply.Payload.Span)}")).ConfigureAwait(false);
                    }
                }
                catch (ArgumentException e)
                {
                    await error.WriteLineAsync($"udpecho: {Describe(e, payload.Length, settings.Target, $"The message of {payload.Length} bytes")}").ConfigureAwait(false);
                    return UdpEchoCommand.UsageError;
                }
                catch (OperationCanceledException)
                {
                    if (!settings.Json)
                    {
                        await error.WriteLineAsync("udpecho: interrupted").ConfigureAwait(false);
                    }

                    break;
                }
                catch (Exception e) when (e is TimeoutException or UdpEchoException)
                {
                    // A timeout comes after every attempt; an unreachable or truncated echo ends the message at once,
                    // at an attempt the library does not say.
                    replies.Add(new SendReply(sequence, null, e is TimeoutException ? settings.Retries + 1 : null, e.Message));
                    if (!settings.Json)
                    {
                        await error.WriteLineAsync($"udpecho: {e.Message}").ConfigureAwait(false);
                    }
                }
            }
        }

        var received = replies.Count(r => r.Error is null);
        if (settings.Json)
        {
            var report = new SendReport(name, remote, payload.Length, replies.Count, received, Math.Round(clock.Elapsed.TotalSeconds, 6), replies);
            await output.WriteLineAsync(JsonSerializer.Serialize(report, ToolJsonContext.Default.SendReport)).ConfigureAwait(false);
        }
        else if (settings.Count > 1)
        {
            await output.WriteLineAsync($"--- {name} udpecho send statistics ---").ConfigureAwait(false);
            await output.WriteLineAsync(Invariant($"{replies.Count} sent, {received} echoed, {Percent(replies.Count - received, replies.Count)} loss, time {clock.Elapsed.TotalMilliseconds:0} ms")).ConfigureAwait(false);
        }

        return received == settings.Count ? 0 : 1;
    }

    private sealed record Settings(EndPoint Target, string Message, int Count, int TimeoutMilliseconds, int Retries, bool Json);
}
