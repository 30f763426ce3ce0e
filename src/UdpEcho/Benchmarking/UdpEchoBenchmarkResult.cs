using System.Net;
using UdpEcho.Probing;

namespace UdpEcho;

/// <summary>
/// What a benchmark measured, from
/// <see cref="UdpEchoBenchmark.RunAsync(UdpEchoBenchmarkOptions, IProgress{UdpEchoBenchmarkProgress}, CancellationToken)"/>.
/// Warm-up datagrams are left out of every figure.
/// </summary>
/// <remarks>The definitions are in <c>docs/client.md</c>, section "Load generator".</remarks>
public sealed class UdpEchoBenchmarkResult
{
    /// <summary>Gets the endpoint that was loaded, as resolved.</summary>
    public IPEndPoint? RemoteEndPoint { get; init; }

    /// <summary>Gets the number of datagrams sent. Datagrams still waiting for their echo when the benchmark was cancelled are not counted.</summary>
    public long Sent { get; init; }

    /// <summary>Gets the number of datagrams answered by an intact echo, byte for byte what was sent, within the timeout.</summary>
    public long Received { get; init; }

    /// <summary>Gets the number of datagrams that got no intact echo within the timeout: <see cref="Sent"/> minus <see cref="Received"/>.</summary>
    public long Lost => Sent - Received;

    /// <summary>Gets <see cref="Lost"/> as a percentage of <see cref="Sent"/>; 0 when nothing was sent.</summary>
    public double LossPercent => Sent == 0 ? 0 : 100.0 * Lost / Sent;

    /// <summary>Gets the number of echoes that differed from the datagram they answer (a changed byte, a byte too many). A corrupt echo answers nothing.</summary>
    public long Corrupt { get; init; }

    /// <summary>
    /// Gets the number of echoes that came back cut short: the start of a datagram and no more. A truncated echo answers
    /// nothing; the datagram it names is lost at once (one cut within the 16-byte header names none, and its datagram
    /// times out).
    /// </summary>
    public long Truncated { get; init; }

    /// <summary>Gets the number of intact echoes that answered no datagram in flight: duplicates, and echoes that came after their datagram was counted lost.</summary>
    public long Unmatched { get; init; }

    /// <summary>Gets the time measured: from the end of the warm-up to the end of sending (the duration, or the cancellation) or to the last echo received, whichever came later.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Gets <see cref="Received"/> over <see cref="Elapsed"/>, in echoes per second; 0 when nothing was received.</summary>
    public double EchoesPerSecond { get; init; }

    /// <summary>Gets the round-trip times of the received datagrams, each one's own: from its send to its echo.</summary>
    public UdpEchoRoundTripStatistics RoundTrip { get; init; } = new();

    /// <summary>Gives the figures as <c>udpecho bench</c> prints them: counts, loss, rate and round trips in milliseconds.</summary>
    /// <returns>The figures on one line.</returns>
    public override string ToString() => Figures.Invariant(
        $"{RemoteEndPoint}: {Sent} sent, {Received} received, {Figures.Percent(LossPercent)} loss, {Corrupt} corrupt, {Truncated} truncated, {Unmatched} unmatched; {EchoesPerSecond:0.0} echoes/s in {Elapsed.TotalSeconds:0.000} s; rtt {RoundTrip}");
}
