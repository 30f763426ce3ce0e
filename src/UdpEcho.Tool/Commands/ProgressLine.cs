using System.Threading.Channels;

namespace UdpEcho.Tool.Commands;

/// <summary>A line of running totals redrawn in place on a terminal (never on redirected output), then cleared for the summary.</summary>
internal static class ProgressLine
{
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(250);

    /// <summary>Draws the latest event over the last one, at most four times a second, until <paramref name="events"/> completes.</summary>
    public static async Task DrawAsync<T>(ChannelReader<T> events, TextWriter output, Func<T, string> format)
    {
        var lastDrawn = DateTime.MinValue;
        var drawn = false;
        await foreach (var e in events.ReadAllAsync().ConfigureAwait(false))
        {
            var now = DateTime.UtcNow;
            if (now - lastDrawn >= Refresh)
            {
                lastDrawn = now;
                drawn = true;
                await output.WriteAsync($"\r{format(e)} ").ConfigureAwait(false);
                await output.FlushAsync().ConfigureAwait(false);
            }
        }

        if (drawn)
        {
            // Clear the progress line so the statistics start on a clean one.
            await output.WriteAsync($"\r{new string(' ', 72)}\r").ConfigureAwait(false);
        }
    }
}

/// <summary>Hands each report to a printer and returns at once: reports come from the library's own loops.</summary>
internal sealed class ChannelProgress<T>(ChannelWriter<T> writer) : IProgress<T>
{
    public void Report(T value) => writer.TryWrite(value);
}
