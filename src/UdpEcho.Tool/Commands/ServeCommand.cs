using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;

namespace UdpEcho.Tool.Commands;

/// <summary><c>udpecho serve</c>: an echo server on the console. Quiet by default; Ctrl+C or SIGTERM prints statistics and exits 0.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var port = ToolOptions.Port(required: true);
        var address = ToolOptions.Address("127.0.0.1");
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Print one 'IP PORT says: MSG' line per datagram." };
        var rateLimit = new Option<double?>("--rate-limit")
        {
            Description = "Echo at most N datagrams per second per source address (burst: one second's worth). Default: no limit.",
            CustomParser = result => ToolOptions.ParseDouble(result, "--rate-limit", 0, double.MaxValue, minExclusive: true, "a positive number of datagrams per second"),
        };
        var allow = new Option<IPNetwork[]>("--allow")
        {
            Description = "Echo only to sources in this CIDR range, such as 10.0.0.0/8 or 2001:db8::/32. Repeatable. Default: everyone.",
            AllowMultipleArgumentsPerToken = false,
            CustomParser = result => [.. result.Tokens.Select(t => ParseNetwork(result, t.Value))],
        };
        var maxSize = new Option<int?>("--max-size")
        {
            Description = $"Drop (never truncate) datagrams larger than B bytes, 0 to {UdpEchoServerOptions.MaxIPv6DatagramSize}. Default: {UdpEchoServerOptions.MaxIPv6DatagramSize}.",
            CustomParser = result => ToolOptions.ParseInt(result, "--max-size", 0, UdpEchoServerOptions.MaxIPv6DatagramSize),
        };
        var allowSourcePort = new Option<int[]>("--allow-source-port")
        {
            Description = "Echo to this source port even though it is below 1024 (or 0, or 2049), which are dropped to prevent echo loops. Repeatable.",
            CustomParser = result => [.. result.Tokens.Select(t => ToolOptions.ParseInt(result, t.Value, "--allow-source-port", 0, 65535))],
        };
        var loss = Probability("--loss", "Lose each echo with probability P (0 to 1), to test a client against a bad network.");
        var delay = Milliseconds("--delay", "Delay each echo by MS milliseconds.");
        var jitter = Milliseconds("--jitter", "Vary each delay by up to ± MS milliseconds.");
        var duplicate = Probability("--duplicate", "Send each echo twice with probability P (0 to 1).");
        var reorder = Probability("--reorder", "Hold each echo back behind the next one with probability P (0 to 1).");
        var seed = new Option<int?>("--seed")
        {
            Description = "Seed the random choices of --loss, --jitter, --duplicate and --reorder, to repeat a run.",
            CustomParser = result => ToolOptions.ParseInt(result, "--seed", int.MinValue, int.MaxValue),
        };
        var engine = new Option<UdpEchoServerEngine>("--engine")
        {
            Description = "automatic (batched on 64-bit Linux, portable elsewhere), batched or portable.",
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "automatic";
                if (Enum.TryParse<UdpEchoServerEngine>(text, ignoreCase: true, out var value) && Enum.IsDefined(value) && !char.IsDigit(text[0]))
                {
                    return value;
                }

                result.AddError($"--engine '{text}' is not automatic, batched or portable.");
                return UdpEchoServerEngine.Automatic;
            },
        };
        var receiveLoops = new Option<int?>("--receive-loops")
        {
            Description = "How many receive loops share the socket, 1 to 64 (default: one per four processors).",
            CustomParser = result => ToolOptions.ParseInt(result, "--receive-loops", 1, 64),
        };
        var command = new Command("serve", "Echo every UDP datagram back to its sender.")
        {
            port, address, verbose, rateLimit, allow, maxSize, allowSourcePort, loss, delay, jitter, duplicate, reorder, seed, engine, receiveLoops,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var options = new UdpEchoServerOptions
            {
                Address = parse.GetValue(address)!,
                Port = parse.GetValue(port),
                RateLimitPerSource = parse.GetValue(rateLimit),
                MaxDatagramSize = parse.GetValue(maxSize) ?? UdpEchoServerOptions.MaxIPv6DatagramSize,
                Engine = parse.GetValue(engine),
                ReceiveLoops = parse.GetValue(receiveLoops),
                Impairment =
                {
                    LossProbability = parse.GetValue(loss) ?? 0,
                    Delay = TimeSpan.FromMilliseconds(parse.GetValue(delay) ?? 0),
                    Jitter = TimeSpan.FromMilliseconds(parse.GetValue(jitter) ?? 0),
                    DuplicateProbability = parse.GetValue(duplicate) ?? 0,
                    ReorderProbability = parse.GetValue(reorder) ?? 0,
                    Seed = parse.GetValue(seed),
                },
            };

            // "::" means every interface; serve IPv4 there too, as users of other servers expect.
            options.DualMode = options.Address.Equals(IPAddress.IPv6Any);
            foreach (var network in parse.GetValue(allow) ?? [])
            {
                options.AllowedSources.Add(network);
            }

            foreach (var sourcePort in parse.GetValue(allowSourcePort) ?? [])
            {
                options.AllowedSourcePorts.Add(sourcePort);
            }

            return RunAsync(options, parse.GetValue(verbose), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken);
        });
        return command;
    }

    private static Option<double?> Probability(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result => ToolOptions.ParseDouble(result, name, 0, 1, minExclusive: false, "a probability from 0 to 1"),
    };

    private static Option<double?> Milliseconds(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result => ToolOptions.ParseDouble(result, name, 0, UdpEchoImpairmentOptions.MaxDelay.TotalMilliseconds, minExclusive: false, $"a number of milliseconds from 0 to {UdpEchoImpairmentOptions.MaxDelay.TotalMilliseconds}"),
    };

    private static IPNetwork ParseNetwork(System.CommandLine.Parsing.ArgumentResult result, string text)
    {
        // Strict on every runtime: a set host bit ("10.0.0.1/8") is more likely a typo than a wish, and newer runtimes
        // would quietly mask it away.
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && IPNetwork.TryParse(text, out var network) && IPAddress.TryParse(text.AsSpan(0, slash), out var written) && network.BaseAddress.Equals(written))
        {
            return network;
        }

        result.AddError($"--allow '{text}' is not a CIDR range such as 10.0.0.0/8, 192.168.1.7/32 or 2001:db8::/32 (the address must have no bits set beyond the prefix).");
        return default;
    }

    private static async Task<int> RunAsync(UdpEchoServerOptions options, bool verbose, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        await using var server = new UdpEchoServer(options);
        if (verbose)
        {
            server.MessageReceived += (_, e) => output.WriteLine(
                $"{e.RemoteEndPoint.Address} {e.RemoteEndPoint.Port.ToString(CultureInfo.InvariantCulture)} says: {Encoding.UTF8.GetString(e.Payload.Span)}");
        }

        try
        {
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is UdpEchoException or PlatformNotSupportedException)
        {
            await error.WriteLineAsync($"udpecho: {e.Message}").ConfigureAwait(false);
            return 1;
        }

        await output.WriteLineAsync($"udpecho: echoing on {server.LocalEndPoint} (Ctrl+C to stop)").ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or SIGTERM: the normal way to stop.
        }

        await server.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await output.WriteLineAsync(Format(server.GetStatistics())).ConfigureAwait(false);
        return 0;
    }

    internal static string Format(UdpEchoServerStatistics s)
    {
        // Reasons beyond "too large" appear only when they happened, so the usual line stays short.
        var reasons = string.Concat(
            Reason(s.DroppedBySourcePort, "source port"),
            Reason(s.DroppedBySourceAddress, "source address"),
            Reason(s.DroppedNotAllowed, "not allowed"),
            Reason(s.DroppedByRateLimit, "rate limited"),
            Reason(s.DroppedByImpairment, "lost on purpose"),
            Reason(s.DroppedAtShutdown, "at shutdown"));
        return string.Create(
            CultureInfo.InvariantCulture,
            $"udpecho: received {s.DatagramsReceived} datagrams ({s.BytesReceived} bytes), echoed {s.DatagramsEchoed} ({s.BytesEchoed} bytes), dropped {s.DatagramsDropped} ({s.DatagramsTruncated} too large{reasons}), errors: {s.ReceiveErrors} receive, {s.SendErrors} send, {s.SubscriberErrors} subscriber");
    }

    private static string Reason(long count, string reason) =>
        count == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $", {count} {reason}");
}
