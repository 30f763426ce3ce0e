namespace UdpEcho;

/// <summary>
/// Makes a <see cref="UdpEchoServer"/> behave like a bad network, to test clients against: it loses, delays,
/// duplicates and reorders echoes on purpose. Everything is off by default. Set on <see cref="UdpEchoServerOptions.Impairment"/>.
/// </summary>
/// <remarks>
/// Loss is decided first; a lost echo is counted in <see cref="UdpEchoServerStatistics.DroppedByImpairment"/>. Delayed
/// echoes wait in a queue ordered by due time, served by one timer, so the receive loop never sleeps. A duplicate is
/// sent like the original (with its own delay) and counted in <see cref="UdpEchoServerStatistics.DatagramsEchoed"/> too.
/// </remarks>
public sealed class UdpEchoImpairmentOptions
{
    /// <summary>The longest <see cref="Delay"/> or <see cref="Jitter"/> accepted: a minute is far beyond any network worth simulating.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets the probability, from 0 to 1, that an echo is lost.</summary>
    /// <value>The default is 0.</value>
    public double LossProbability { get; set; }

    /// <summary>Gets or sets how long each echo waits before it is sent.</summary>
    /// <value>The default is <see cref="TimeSpan.Zero"/>. The allowed range is 0 to <see cref="MaxDelay"/>.</value>
    public TimeSpan Delay { get; set; }

    /// <summary>Gets or sets the random variation of <see cref="Delay"/>: each echo waits <c>Delay ± Jitter</c> (uniformly, never less than 0).</summary>
    /// <value>The default is <see cref="TimeSpan.Zero"/>. The allowed range is 0 to <see cref="MaxDelay"/>.</value>
    public TimeSpan Jitter { get; set; }

    /// <summary>Gets or sets the probability, from 0 to 1, that an echo is sent twice.</summary>
    /// <value>The default is 0.</value>
    public double DuplicateProbability { get; set; }

    /// <summary>
    /// Gets or sets the probability, from 0 to 1, that an echo is held back and sent just after the next one, so the
    /// two arrive swapped. A held echo waits at most <c>Delay + Jitter</c> (at least 10 ms) more for a next one.
    /// </summary>
    /// <value>The default is 0.</value>
    public double ReorderProbability { get; set; }

    /// <summary>Gets or sets the seed of the random choices, so that a run can be repeated exactly (given the same datagrams in the same order).</summary>
    /// <value>The default is <see langword="null"/>: a different sequence each time.</value>
    public int? Seed { get; set; }

    internal bool IsEnabled => LossProbability > 0 || Delay > TimeSpan.Zero || Jitter > TimeSpan.Zero || DuplicateProbability > 0 || ReorderProbability > 0;

    internal UdpEchoImpairmentOptions Clone() => (UdpEchoImpairmentOptions)MemberwiseClone();

    internal void Validate(string prefix)
    {
        Probability(LossProbability, nameof(LossProbability));
        Probability(DuplicateProbability, nameof(DuplicateProbability));
        Probability(ReorderProbability, nameof(ReorderProbability));
        Duration(Delay, nameof(Delay));
        Duration(Jitter, nameof(Jitter));

        void Probability(double value, string name)
        {
            if (!(value >= 0 && value <= 1))
            {
                throw new ArgumentOutOfRangeException(name, value, $"{prefix}.{name} must be a probability from 0 to 1; it was {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
            }
        }

        void Duration(TimeSpan value, string name)
        {
            if (value < TimeSpan.Zero || value > MaxDelay)
            {
                throw new ArgumentOutOfRangeException(name, value, $"{prefix}.{name} must be from 0 to {MaxDelay}; it was {value}.");
            }
        }
    }
}
