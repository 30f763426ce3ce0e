namespace UdpEcho.Probing;

/// <summary>What the probe tells: every event as it happens, and the statistics at the end.</summary>
internal sealed partial class ProbeRun
{
    /// <param name="sequence">The probe.</param>
    /// <param name="outcome">What happened to it, or to one of its echoes.</param>
    /// <param name="roundTripTicks">The echo's round trip; 0 for none.</param>
    /// <param name="length">The echo's length; 0 for none.</param>
    /// <param name="reordered">Whether an answer came after the echo of a later probe.</param>
    /// <param name="sentAt">When the probe left, as a timestamp; -1 when unknown (a corrupt echo).</param>
    /// <param name="stamp">What a STAMP reply told; null for anything else.</param>
    private void Report(long sequence, UdpEchoProbeOutcome outcome, long roundTripTicks, int length, bool reordered, long sentAt, UdpEchoStampReply? stamp = null)
    {
        _progress?.Report(new UdpEchoProbeProgress
        {
            Sequence = sequence,
            Outcome = outcome,
            RoundTripTime = roundTripTicks == 0 ? TimeSpan.Zero : _time.GetElapsedTime(0, roundTripTicks),
            SendTime = sentAt < _firstSend ? TimeSpan.Zero : _time.GetElapsedTime(_firstSend, sentAt),
            Length = length,
            Reordered = reordered,
            IsWarmUp = sequence < _warmUp,
            Sent = _sent,
            Received = _received,
            Lost = _lost,
            Stamp = stamp,
        });
    }

    private UdpEchoProbeResult BuildResultLocked()
    {
        // Probes still in flight (only when cancelled) have no outcome yet: they are neither received nor lost.
        var inFlight = _ledger.CountUnresolvedFrom(_warmUp);
        var sent = _sent - inFlight;
        var duration = _measureStart < 0 ? TimeSpan.Zero : _time.GetElapsedTime(_measureStart, _lastMeasuredSend);
        return new UdpEchoProbeResult
        {
            RemoteEndPoint = _connection.Remote,
            Sent = sent,
            Received = _received,
            Duplicates = _duplicates,
            Reordered = _reordered,
            Late = _late,
            Corrupt = _corrupt,
            Truncated = _truncated,
            Unreachable = _unreachable,
            RoundTrip = _roundTrips.Statistics(),
            Jitter = _roundTrips.Jitter,
            Duration = duration,
            AchievedRate = _sent >= 2 && duration > TimeSpan.Zero ? (_sent - 1) / duration.TotalSeconds : 0,
            Stamp = _stamp?.Result(_sent, inFlight),
        };
    }
}
