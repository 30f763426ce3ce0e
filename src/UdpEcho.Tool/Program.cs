using System.Runtime.InteropServices;
using UdpEcho.Tool;

// Ctrl+C and SIGTERM end a long-running command through its token, so it can print its summary and exit 0;
// the default handling would kill the process before that.
using var stop = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
return await UdpEchoCommand.RunAsync(args, Console.Out, Console.Error, stop.Token);
