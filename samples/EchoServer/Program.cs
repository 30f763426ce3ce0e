// The project's original server.c, rebuilt on UdpEchoServer: same arguments, banner and per-datagram line, without
// its bugs (511-byte truncation, exit on a zero-length datagram, the 64-bit inet_ntoa crash, a silent port 0 for
// a bad port argument, a stranger's control characters written raw to the terminal).
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using UdpEcho;

const string Usage = "Usage: EchoServer port";

if (args.Length != 1)
{
    Console.WriteLine(Usage);
    return 1;
}

// NumberStyles.None: digits only, so "-1", " 7", "+7" and "7x" are all rejected, unlike atoi.
if (!int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > IPEndPoint.MaxPort)
{
    Console.Error.WriteLine($"Invalid port '{args[0]}': expected a number from 0 to 65535.");
    Console.WriteLine(Usage);
    return 1;
}

// Messages are decoded as UTF-8 and must reach the terminal or pipe as UTF-8, whatever the locale says.
Console.OutputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
Console.WriteLine("Welcome! This is a UDP server, I can only received message from client and reply with same message");

// Registered before binding, so that a signal sent as soon as the server is listening is always handled.
var stopRequested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stopRequested.TrySetResult();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stopRequested.TrySetResult();
});

// IPv4 on every interface, like the original's INADDR_ANY.
await using var server = new UdpEchoServer(new UdpEchoServerOptions { Address = IPAddress.Any, Port = port });

// The library has already echoed the datagram when this runs; the sample only reports it. Console.Out flushes on
// every write, so each line reaches a pipe at once (the original's printf sat in a 4 KB buffer there). The message is
// a stranger's bytes: UdpEchoText escapes newlines, terminal escape sequences and invalid UTF-8, so that each datagram
// prints as exactly one harmless line, and plain text exactly as the original printed it.
server.MessageReceived += (_, e) =>
    Console.WriteLine($"{e.RemoteEndPoint.Address} {e.RemoteEndPoint.Port} says: {UdpEchoText.ToPrintable(e.Payload.Span)}");

try
{
    await server.StartAsync();
}
catch (UdpEchoException e)
{
    // The message names the endpoint and the reason, e.g. "Cannot bind UDP endpoint 0.0.0.0:7: access was denied; ...".
    Console.Error.WriteLine(e.Message);
    return 1;
}

// Not in the original, but with port 0 this is the only way to learn the port, and it tells scripts the server is ready.
Console.WriteLine($"Listening on {server.LocalEndPoint}; press Ctrl+C to stop.");

await stopRequested.Task;

// Stopping closes the socket at once, then waits for the receive loop, which may be stuck in a MessageReceived
// handler writing to a full stdout pipe that nobody reads. A signal must stop the server even then.
using var stopWaitLimit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
try
{
    await server.StopAsync(stopWaitLimit.Token);
}
catch (OperationCanceledException)
{
    // Nothing to report it on: .NET serializes stderr writes with stdout's lock, which the stuck handler holds.
}

return 0;
