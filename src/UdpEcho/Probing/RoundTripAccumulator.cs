namespace UdpEcho.Probing;

/// <summary>
/// The round-trip statistics of one probe: those of <see cref="DelayAccumulator"/> (percentiles from a histogram, exact
/// min, max, mean and standard deviation), and RFC 3550 jitter in arrival order.
/// </summary>
internal sealed class RoundTripAccumulator
{
    private readonly DelayAccumulator _delays;
    private readonly long _frequency;
    private double _jitter;
    private long _previous = -1;

    /// <param name="longest">The longest round trip that can be recorded: the probe's timeout.</param>
    /// <param name="timestampFrequency">Timestamp ticks per second of the probe's <see cref="TimeProvider"/>.</param>
    public RoundTripAccumulator(TimeSpan longest, long timestampFrequency)
    {
        _frequency = timestampFrequency;
        _delays = new DelayAccumulator(longest);
    }

    public TimeSpan Jitter => TimeSpan.FromTicks((long)Math.Round(_jitter / 100));

    /// <summary>Adds the round trip of the next probe answered, in timestamp ticks.</summary>
    public void Add(long ticks)
    {
        var nanoseconds = (long)((Int128)ticks * 1_000_000_000 / _frequency);
        _delays.Add(nanoseconds);

        // RFC 3550 6.4.1: J += (|D(i-1, i)| - J) / 16, with the round trip as the transit time.
        if (_previous >= 0)
        {
            _jitter += (Math.Abs(nanoseconds - _previous) - _jitter) / 16;
        }

        _previous = nanoseconds;
    }

    public UdpEchoRoundTripStatistics Statistics() => _delays.Statistics();
}
