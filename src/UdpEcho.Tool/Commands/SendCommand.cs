using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;

namespace UdpEcho.Tool.Commands;

/// <summary><c>udpecho send HOST:PORT MESSAGE</c>: one message, its echo and the round trip. Exits 1 when no echo comes back.</summary>
internal static class SendCommand
{
    public static Command Create()
    {
        var target = ToolOptions.Target();
        var message = new Argument<string>("MESSAGE") { Description = "The text to send, as UTF-8." };
        var timeout = ToolOptions.Milliseconds("--timeout", "Milliseconds to wait for the echo.", 1000, 1);
        var command = new Command("send", "Send one message to a UDP echo server and print the echo and its round trip.") { target, message, timeout };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(target)!, parse.GetValue(message)!, parse.GetValue(timeout), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(EndPoint target, string message, int timeoutMilliseconds, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = target, Timeout = TimeSpan.FromMilliseconds(timeoutMilliseconds) });
        try
        {
            var reply = await client.SendAndReceiveAsync(message, cancellationToken).ConfigureAwait(false);
            var text = Encoding.UTF8.GetString(reply.Payload.Span);
            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"{reply.Payload.Length} bytes from {reply.RemoteEndPoint} in {reply.RoundTripTime.TotalMilliseconds:0.000} ms: {text}")).ConfigureAwait(false);
            return 0;
        }
        catch (Exception e) when (e is TimeoutException or UdpEchoException or ArgumentException)
        {
            await error.WriteLineAsync($"udpecho: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("udpecho: interrupted").ConfigureAwait(false);
            return 1;
        }
    }
}
