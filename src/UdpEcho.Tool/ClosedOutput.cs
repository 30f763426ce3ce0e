using System.Text;

namespace UdpEcho.Tool;

/// <summary>
/// Standard output as the commands write to it, noticing when its reader has gone (<c>udpecho ping ... | head -3</c>):
/// the first write that fails with an <see cref="IOException"/> (a broken pipe) cancels the running command, as
/// SIGPIPE ends <c>ping</c>, and every later write is dropped, so the command ends quietly.
/// </summary>
internal sealed class ClosedOutput : TextWriter
{
    /// <summary>The exit code of a command ended by a closed output: 128 + SIGPIPE, what a shell reports for <c>ping</c> then.</summary>
    public const int ExitCode = 141;

    private readonly TextWriter _inner;
    private readonly CancellationTokenSource _closed;
    private volatile bool _isClosed;

    public ClosedOutput(TextWriter inner, CancellationTokenSource closed)
    {
        _inner = inner;
        _closed = closed;
    }

    public override Encoding Encoding => _inner.Encoding;

    /// <summary>Gets a value indicating whether a write found the reader gone.</summary>
    public bool IsClosed => _isClosed;

    public override void Write(char value) => Guard(() => _inner.Write(value));

    public override void Write(string? value) => Guard(() => _inner.Write(value));

    public override void Write(char[] buffer, int index, int count) => Guard(() => _inner.Write(buffer, index, count));

    public override void WriteLine(string? value) => Guard(() => _inner.WriteLine(value));

    public override void Flush() => Guard(_inner.Flush);

    public override Task WriteAsync(string? value) => GuardAsync(() => _inner.WriteAsync(value));

    public override Task WriteLineAsync(string? value) => GuardAsync(() => _inner.WriteLineAsync(value));

    public override Task FlushAsync() => GuardAsync(_inner.FlushAsync);

    private void Guard(Action write)
    {
        if (_isClosed)
        {
            return;
        }

        try
        {
            write();
        }
        catch (IOException)
        {
            Close();
        }
    }

    private async Task GuardAsync(Func<Task> write)
    {
        if (_isClosed)
        {
            return;
        }

        try
        {
            await write().ConfigureAwait(false);
        }
        catch (IOException)
        {
            Close();
        }
    }

    private new void Close()
    {
        _isClosed = true;
        _closed.Cancel();
    }
}
