using System.Text;

namespace UdpEcho.Tool.Commands;

/// <summary>
/// The files a command writes besides its output (<c>--hgrm</c>, <c>--samples</c>), opened before it starts, so that a
/// path that cannot be written is a usage error at once, not a lost measurement at the end.
/// </summary>
internal sealed class OutputFiles : IAsyncDisposable
{
    private OutputFiles(TextWriter? hgrm, TextWriter? samples)
    {
        Hgrm = hgrm;
        Samples = samples;
    }

    public TextWriter? Hgrm { get; }

    public TextWriter? Samples { get; }

    /// <summary>Creates (or empties) the files given; returns null with <paramref name="problem"/> when one cannot be.</summary>
    public static OutputFiles? Open(string? hgrm, string? samples, out string problem)
    {
        problem = string.Empty;
        TextWriter? hgrmWriter = null;
        try
        {
            hgrmWriter = hgrm is null ? null : Create(hgrm);
            var samplesWriter = samples is null ? null : Create(samples);
            return new OutputFiles(hgrmWriter, samplesWriter);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            hgrmWriter?.Dispose();
            problem = $"cannot write '{(hgrmWriter is null ? hgrm : samples)}': {e.Message}";
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Hgrm is not null)
        {
            await Hgrm.DisposeAsync().ConfigureAwait(false);
        }

        if (Samples is not null)
        {
            await Samples.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static StreamWriter Create(string path) => new(path, append: false, new UTF8Encoding(false));
}
