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
        var command = new Command("serve", "Echo every UDP datagram back to its sender.") { port, address, verbose };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(address)!, parse.GetValue(port), parse.GetValue(verbose), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(IPAddress address, int port, bool verbose, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var options = new UdpEchoServerOptions
        {
            Address = address,
            Port = port,

            // "::" means every interface; serve IPv4 there too, as users of other servers expect.
            DualMode = address.Equals(IPAddress.IPv6Any),
        };

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
        catch (UdpEchoException e)
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

    internal static string Format(UdpEchoServerStatistics s) => string.Create(
        CultureInfo.InvariantCulture,
        $"udpecho: received {s.DatagramsReceived} datagrams ({s.BytesReceived} bytes), echoed {s.DatagramsEchoed} ({s.BytesEchoed} bytes), dropped {s.DatagramsDropped} ({s.DatagramsTruncated} too large), errors: {s.ReceiveErrors} receive, {s.SendErrors} send, {s.SubscriberErrors} subscriber");
}
