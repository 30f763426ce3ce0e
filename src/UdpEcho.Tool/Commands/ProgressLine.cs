using System.Threading.Channels;

namespace UdpEcho.Tool.Commands;

/// <summary>A line of running totals redrawn in place on a terminal (never on redirected output), then cleared for the summary.</summary>
internal sealed class ProgressLine(TextWriter output)
{
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(250);

    private DateTime _lastDrawn = DateTime.MinValue;
    private bool _drawn;

    /// <summary>Draws the latest event over the last one, at most four times a second, until <paramref name="events"/> completes, then clears it.</summary>
    public static async Task DrawAsync<T>(ChannelReader<T> events, TextWriter output, Func<T, string> format)
    {
        var line = new ProgressLine(output);
        await foreach (var e in events.ReadAllAsync().ConfigureAwait(false))
        {
            await line.UpdateAsync(() => format(e)).ConfigureAwait(false);
        }

        await line.ClearAsync().ConfigureAwait(false);
    }

    /// <summary>Redraws the line with <paramref name="text"/>, unless it was drawn less than a quarter of a second ago.</summary>
    public async Task UpdateAsync(Func<string> text)
    {
        var now = DateTime.UtcNow;
        if (now - _lastDrawn < Refresh)
        {
            return;
        }

        _lastDrawn = now;
        _drawn = true;
        await output.WriteAsync($"\r{text()} ").ConfigureAwait(false);
        await output.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Clears the line, if it was ever drawn, so the statistics start on a clean one.</summary>
    public async Task ClearAsync()
    {
        if (_drawn)
        {
            await output.WriteAsync($"\r{new string(' ', 72)}\r").ConfigureAwait(false);
        }
    }
}

/// <summary>Hands each report to a printer and returns at once: reports come from the library's own loops.</summary>
internal sealed class ChannelProgress<T>(ChannelWriter<T> writer) : IProgress<T>
{
    public void Report(T value) => writer.TryWrite(value);
}
