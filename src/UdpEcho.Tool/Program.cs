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
return await UdpEchoCommand.RunAsync(args, StandardOutput(), Console.Error, interactive: !Console.IsOutputRedirected, stop.Token);

// Console.Out swallows a broken pipe (EPIPE) on Unix, so a ping piped into `head` would run for ever: output into a
// pipe is written through a stream of our own, whose failed write tells the command that its reader has gone. A file
// (seekable: a FileStream would write at its own idea of the offset) or a terminal keeps Console.Out.
static TextWriter StandardOutput()
{
    if (OperatingSystem.IsWindows() || !Console.IsOutputRedirected)
    {
        return Console.Out;
    }

    var stream = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
    if (stream.CanSeek)
    {
        stream.Dispose();
        return Console.Out;
    }

    return new StreamWriter(stream, new System.Text.UTF8Encoding(false)) { AutoFlush = true };
}
