using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace UdpEcho.Tool.Commands;

/// <summary><c>udpecho serve</c>: an echo server on the console. Quiet by default; Ctrl+C or SIGTERM prints statistics and exits 0.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var port = ToolOptions.Port(required: true);
        var address = ToolOptions.Address("127.0.0.1");
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Print one 'IP PORT says: MSG' line per datagram (control characters escaped, long messages shortened)." };
        var json = new Option<bool>("--json") { Description = "When the server stops, print its statistics as one JSON object on one line (the startup line goes to standard error)." };
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
        var loopGuard = ToolOptions.Choice("--loop-guard", "auto (the default: on unless bound to loopback), on or off: mute a peer that keeps sending back exactly what it was sent. Datagrams from the server's own endpoint are always dropped.",
            [("auto", UdpEchoLoopGuard.Automatic), ("on", UdpEchoLoopGuard.On), ("off", UdpEchoLoopGuard.Off)]);
        var receiveBuffer = Bytes("--receive-buffer", $"The receive buffer of each socket in bytes (SO_RCVBUF). Default: {UdpEchoServerOptions.DefaultSocketBufferSize} (the kernel may cap it: net.core.rmem_max).");
        var sendBuffer = Bytes("--send-buffer", $"The send buffer of each socket in bytes (SO_SNDBUF). Default: {UdpEchoServerOptions.DefaultSocketBufferSize} (the kernel may cap it: net.core.wmem_max).");
        var loss = Probability("--loss", "Lose each echo with probability P (0 to 1), to test a client against a bad network.");
        var lossBurst = new Option<double?>("--loss-burst")
        {
            Description = "Lose echoes in bursts of this mean length (a Gilbert model), keeping the overall --loss. Default: independent loss.",
            CustomParser = result => ToolOptions.ParseDouble(result, "--loss-burst", 1, 1e9, minExclusive: false, "a mean burst length of at least 1"),
        };
        var delay = Milliseconds("--delay", "Delay each echo by MS milliseconds (fractions allowed).");
        var jitter = Milliseconds("--jitter", "Vary each delay by up to ± MS milliseconds (uniform), or with MS as the standard deviation (normal).");
        var delayDistribution = ToolOptions.Choice("--delay-distribution", "uniform (the default) or normal: how --jitter varies the delay.",
            [("uniform", UdpEchoDelayDistribution.Uniform), ("normal", UdpEchoDelayDistribution.Normal)]);
        var duplicate = Probability("--duplicate", "Send each echo twice with probability P (0 to 1).");
        var reorder = Probability("--reorder", "Hold each echo back behind the next one with probability P (0 to 1).");
        var bandwidth = new Option<long?>("--bandwidth")
        {
            Description = "Limit the echoes to B bytes per second, all senders together: echoes wait their turn on the simulated link (tail drop past --max-queued-bytes). Not --rate-limit, which counts datagrams per source.",
            CustomParser = result => ToolOptions.ParseLong(result, "--bandwidth", 1, 100_000_000_000),
        };
        var maxQueued = new Option<int?>("--max-queued")
        {
            Description = "Drop (and count) echoes past this many waiting (delayed, held or behind --bandwidth). Default: 16384.",
            CustomParser = result => ToolOptions.ParseInt(result, "--max-queued", 1, UdpEchoImpairmentOptions.MaxQueuedEchoesLimit),
        };
        var maxQueuedBytes = new Option<long?>("--max-queued-bytes")
        {
            Description = "Drop (and count) echoes past this many bytes waiting. Default: 16777216.",
            CustomParser = result => ToolOptions.ParseLong(result, "--max-queued-bytes", 65536, UdpEchoImpairmentOptions.MaxQueuedBytesLimit),
        };
        var seed = new Option<int?>("--seed")
        {
            Description = "Seed the random choices of the impairments, to repeat a run (exactly, with one receive loop).",
            CustomParser = result => ToolOptions.ParseInt(result, "--seed", int.MinValue, int.MaxValue),
        };
        var stamp = ToolOptions.Choice("--stamp", "Be a STAMP (RFC 8762) Session-Reflector instead of an echo server: stateless (replies carry the sender's sequence numbers) or stateful (the reflector's own count per session). Default: none, a plain echo server. STAMP's own port is 862.",
            [("none", UdpEchoStampMode.None), ("stateless", UdpEchoStampMode.Stateless), ("stateful", UdpEchoStampMode.Stateful)]);
        var engine = ToolOptions.Choice("--engine", "automatic (the default: batched on 64-bit Linux, portable elsewhere), batched or portable.",
            [("automatic", UdpEchoServerEngine.Automatic), ("batched", UdpEchoServerEngine.Batched), ("portable", UdpEchoServerEngine.Portable)]);
        var receiveLoops = new Option<int?>("--receive-loops")
        {
            Description = "How many receive loops serve the port, 1 to 64 (default: one per four processors). On Linux each has a socket of its own (SO_REUSEPORT).",
            CustomParser = result => ToolOptions.ParseInt(result, "--receive-loops", 1, 64),
        };
        var command = new Command("serve", "Echo every UDP datagram back to its sender.")
        {
            port, address, verbose, json, rateLimit, allow, maxSize, allowSourcePort, loopGuard, receiveBuffer, sendBuffer,
            loss, lossBurst, delay, jitter, delayDistribution, duplicate, reorder, bandwidth, maxQueued, maxQueuedBytes, seed, stamp, engine, receiveLoops,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var options = new UdpEchoServerOptions
            {
                Address = parse.GetValue(address)!,
                Port = parse.GetValue(port),
                RateLimitPerSource = parse.GetValue(rateLimit),
                MaxDatagramSize = parse.GetValue(maxSize) ?? UdpEchoServerOptions.MaxIPv6DatagramSize,
                LoopGuard = parse.GetValue(loopGuard),
                StampMode = parse.GetValue(stamp),
                ReceiveBufferSize = parse.GetValue(receiveBuffer),
                SendBufferSize = parse.GetValue(sendBuffer),
                Engine = parse.GetValue(engine),
                ReceiveLoops = parse.GetValue(receiveLoops),
                Impairment =
                {
                    LossProbability = parse.GetValue(loss) ?? 0,
                    LossBurst = parse.GetValue(lossBurst),
                    Delay = TimeSpan.FromMilliseconds(parse.GetValue(delay) ?? 0),
                    Jitter = TimeSpan.FromMilliseconds(parse.GetValue(jitter) ?? 0),
                    DelayDistribution = parse.GetValue(delayDistribution),
                    DuplicateProbability = parse.GetValue(duplicate) ?? 0,
                    ReorderProbability = parse.GetValue(reorder) ?? 0,
                    Bandwidth = parse.GetValue(bandwidth),
                    Seed = parse.GetValue(seed),
                },
            };

            if (parse.GetValue(maxQueued) is int queued)
            {
                options.Impairment.MaxQueuedEchoes = queued;
            }

            if (parse.GetValue(maxQueuedBytes) is long queuedBytes)
            {
                options.Impairment.MaxQueuedBytes = queuedBytes;
            }

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

            var configuration = parse.InvocationConfiguration;
            return RunAsync(options, parse.GetValue(verbose), parse.GetValue(json), configuration.Output, configuration.Error, cancellationToken);
        });
        return command;
    }

    /// <summary>The line <c>--verbose</c> prints for one datagram: the seed's <c>IP PORT says: MSG</c>, with the message made safe to print.</summary>
    internal static string SaysLine(UdpEchoMessageReceivedEventArgs e) =>
        $"{e.RemoteEndPoint.Address} {e.RemoteEndPoint.Port.ToString(CultureInfo.InvariantCulture)} says: {UdpEchoText.ToPrintable(e.Payload.Span)}";

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

    private static Option<int?> Bytes(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result => ToolOptions.ParseInt(result, name, 1, int.MaxValue),
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

    private static async Task<int> RunAsync(UdpEchoServerOptions options, bool verbose, bool json, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        UdpEchoServer server;
        try
        {
            // Settings that only make sense together (a loss burst too short for the loss rate) are checked here.
            server = new UdpEchoServer(options);
        }
        catch (ArgumentException e)
        {
            // The first line: ArgumentOutOfRangeException adds "Actual value was ..." on a line of its own.
            await error.WriteLineAsync($"udpecho: {e.Message.Split('\n')[0].TrimEnd()} (see 'udpecho --help')");
            return UdpEchoCommand.UsageError;
        }

        await using (server)
        {
            if (verbose)
            {
                // Handlers never overlap (the server raises them one at a time), so the writer needs no lock of its own.
                server.MessageReceived += (_, e) => output.WriteLine(SaysLine(e));
            }

            try
            {
                await server.StartAsync(cancellationToken);
            }
            catch (Exception e) when (e is UdpEchoException or PlatformNotSupportedException)
            {
                await error.WriteLineAsync($"udpecho: {e.Message}");
                return 1;
            }

            var what = options.StampMode == UdpEchoStampMode.None ? "echoing" : $"reflecting STAMP ({options.StampMode.ToString().ToLowerInvariant()})";
            await (json ? error : output).WriteLineAsync($"udpecho: {what} on {server.LocalEndPoint} (Ctrl+C to stop)");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C or SIGTERM: the normal way to stop.
            }

            await server.StopAsync(CancellationToken.None);
            var statistics = server.GetStatistics();
            await output.WriteLineAsync(json
                ? JsonSerializer.Serialize(statistics, ToolJsonLinesContext.Default.UdpEchoServerStatistics)
                : $"udpecho: {statistics}");
            return 0;
        }
    }
}
