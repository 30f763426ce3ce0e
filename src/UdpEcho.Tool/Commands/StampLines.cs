using static UdpEcho.Tool.Commands.ReportFormat;

namespace UdpEcho.Tool.Commands;

/// <summary>What <c>udpecho ping --stamp</c> prints beyond a plain ping: each reply's delays, and the run's STAMP figures.</summary>
internal static class StampLines
{
    /// <summary>What a reply's line adds after its round trip: the delays each way, the reflector's hold, the TTL it saw.</summary>
    public static string Reply(UdpEchoStampReply? reply) => reply is { } s
        ? Invariant($" forward={Milliseconds(s.ForwardDelay)} backward={Milliseconds(s.BackwardDelay)} processing={Milliseconds(s.ReflectorProcessing)} ms ttl={s.ReflectorTtl}")
        : string.Empty;

    /// <summary>
    /// The summary's STAMP lines: the loss split, then, once anything was answered, the one-way delays (called so only when
    /// both clocks said they are synchronized), the reflector's processing, the round trip without it, and the TTL.
    /// </summary>
    public static IEnumerable<string> Summary(UdpEchoStampResult s, long received)
    {
        yield return Invariant($"stamp {Word(s.Mode)} reflector, ssid {s.SessionId}: lost {s.ForwardLost} forward, {s.BackwardLost} backward, {s.UnattributedLost} unattributed");
        if (received == 0)
        {
            yield break;
        }

        var (forward, backward) = s.ClocksSynchronized ? ("one-way forward", "one-way backward") : ("forward (clocks not synchronized)", "backward (clocks not synchronized)");
        yield return Spread(forward, s.ForwardDelay);
        yield return Spread(backward, s.BackwardDelay);
        yield return Spread("reflector processing", s.ReflectorProcessing);
        yield return Spread("rtt without processing", s.RoundTripWithoutProcessing);
        yield return Invariant($"reflector ttl {s.ReflectorTtl} (min {s.MinReflectorTtl}, max {s.MaxReflectorTtl})");
        if (!s.ClocksSynchronized)
        {
            yield return "clocks not both synchronized (S bit): forward and backward each include the offset between the two clocks; processing and the round trips do not";
        }
    }

    /// <summary>How a mode is written on the command line and in JSON.</summary>
    public static string Word(UdpEchoStampMode mode) => mode == UdpEchoStampMode.Stateless ? "stateless" : "stateful";

    private static string Spread(string name, UdpEchoRoundTripStatistics t) =>
        $"{name} min/p50/p99/max = {Milliseconds(t.Min)}/{Milliseconds(t.P50)}/{Milliseconds(t.P99)}/{Milliseconds(t.Max)} ms";
}
