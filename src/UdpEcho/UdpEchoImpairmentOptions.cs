using System.Globalization;

namespace UdpEcho;

/// <summary>
/// Makes a <see cref="UdpEchoServer"/> behave like a bad network, to test clients against: it loses, delays,
/// duplicates, reorders and rate-limits echoes on purpose, as Linux's netem does. Everything is off by default. Set on
/// <see cref="UdpEchoServerOptions.Impairment"/>, or change it while the server runs with
/// <see cref="IUdpEchoServer.SetImpairment"/>.
/// </summary>
/// <remarks>
/// <para>
/// Each echo goes through the steps in netem's order: loss (independent, or in bursts with <see cref="LossBurst"/>);
/// duplication; the bandwidth limit (<see cref="Bandwidth"/>: the echo waits for its turn on the link); the delay
/// (<see cref="Delay"/> with <see cref="Jitter"/>, drawn from <see cref="DelayDistribution"/>); reordering. A lost
/// echo is counted in <see cref="UdpEchoServerStatistics.DroppedByImpairment"/>; a duplicate is counted in
/// <see cref="UdpEchoServerStatistics.DatagramsEchoed"/> too.
/// </para>
/// <para>
/// Delayed echoes wait in a queue per receive loop and are sent on time to a fraction of a millisecond (on Linux, by the
/// loop's own <c>ppoll</c>; see <c>docs/security.md</c> for the accuracy measured). The queue is bounded by
/// <see cref="MaxQueuedEchoes"/> and <see cref="MaxQueuedBytes"/>; past them, echoes are dropped and counted in
/// <see cref="UdpEchoServerStatistics.DroppedByQueueLimit"/>.
/// </para>
/// </remarks>
public sealed class UdpEchoImpairmentOptions
{
    /// <summary>The longest <see cref="Delay"/> or <see cref="Jitter"/> accepted: a minute is far beyond any network worth simulating.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(1);

    /// <summary>The largest <see cref="MaxQueuedEchoes"/> accepted.</summary>
    public const int MaxQueuedEchoesLimit = 1 << 24;

    /// <summary>The largest <see cref="MaxQueuedBytes"/> accepted: 1 GiB.</summary>
    public const long MaxQueuedBytesLimit = 1L << 30;

    /// <summary>Gets or sets the probability, from 0 to 1, that an echo is lost.</summary>
    /// <value>The default is 0.</value>
    public double LossProbability { get; set; }

    /// <summary>
    /// Gets or sets the mean length of a burst of lost echoes. When set, loss follows a two-state Gilbert model: a run
    /// of echoes is lost together, bursts average this many echoes, and the overall loss is still
    /// <see cref="LossProbability"/>. When not set, each echo is lost independently of the others.
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: independent loss. When set it must be at least 1, and at least
    /// <c>LossProbability / (1 - LossProbability)</c>, the shortest mean burst that loss rate allows (a loss of 1 loses
    /// everything, whatever the burst).
    /// </value>
    public double? LossBurst { get; set; }

    /// <summary>Gets or sets how long each echo waits before it is sent.</summary>
    /// <value>The default is <see cref="TimeSpan.Zero"/>. The allowed range is 0 to <see cref="MaxDelay"/>.</value>
    public TimeSpan Delay { get; set; }

    /// <summary>
    /// Gets or sets the random variation of <see cref="Delay"/>: with <see cref="UdpEchoDelayDistribution.Uniform"/> each
    /// echo waits <c>Delay ± Jitter</c>, uniformly; with <see cref="UdpEchoDelayDistribution.Normal"/>, <c>Jitter</c> is
    /// the standard deviation. A delay is never less than 0.
    /// </summary>
    /// <value>The default is <see cref="TimeSpan.Zero"/>. The allowed range is 0 to <see cref="MaxDelay"/>.</value>
    public TimeSpan Jitter { get; set; }

    /// <summary>Gets or sets how <see cref="Jitter"/> varies the delay.</summary>
    /// <value>The default is <see cref="UdpEchoDelayDistribution.Uniform"/>.</value>
    public UdpEchoDelayDistribution DelayDistribution { get; set; }

    /// <summary>Gets or sets the probability, from 0 to 1, that an echo is sent twice.</summary>
    /// <value>The default is 0.</value>
    public double DuplicateProbability { get; set; }

    /// <summary>
    /// Gets or sets the probability, from 0 to 1, that an echo is held back and sent just after the next one, so the
    /// two arrive swapped. A held echo waits at most <c>Delay + Jitter</c> (at least 10 ms) more for a next one.
    /// </summary>
    /// <value>The default is 0.</value>
    public double ReorderProbability { get; set; }

    /// <summary>
    /// Gets or sets the bandwidth of the simulated link in bytes per second (payload bytes, for all senders together): each
    /// echo waits until the echoes ahead of it have been "transmitted" at this rate, as netem's <c>rate</c> does. Echoes
    /// that would wait behind more than <see cref="MaxQueuedBytes"/> are dropped (tail drop).
    /// </summary>
    /// <value>The default is <see langword="null"/>: no limit. When set it must be from 1 to 100,000,000,000.</value>
    public long? Bandwidth { get; set; }

    /// <summary>Gets or sets the most echoes waiting at once (delayed, held or queued for bandwidth), split evenly between the receive loops (at least one per loop).</summary>
    /// <value>The default is 16,384. The allowed range is 1 to <see cref="MaxQueuedEchoesLimit"/>.</value>
    public int MaxQueuedEchoes { get; set; } = 16384;

    /// <summary>
    /// Gets or sets the most payload bytes waiting at once, split evenly between the receive loops (at least 64 KiB per
    /// loop, room for one datagram of any size): with several loops, one sender (whose datagrams all reach one loop) can
    /// fill only its loop's share.
    /// </summary>
    /// <value>The default is 16 MiB (16,777,216 bytes), so a flood of large datagrams into a long delay costs a bounded amount of memory. The allowed range is 65,536 to <see cref="MaxQueuedBytesLimit"/>.</value>
    public long MaxQueuedBytes { get; set; } = 16L << 20;

    /// <summary>
    /// Gets or sets the seed of the random choices, so that a run can be repeated exactly: with one receive loop, the same
    /// datagrams in the same order get the same decisions. Each loop draws from its own sequence, derived from the seed and
    /// the loop's number.
    /// </summary>
    /// <value>The default is <see langword="null"/>: a different sequence each time.</value>
    public int? Seed { get; set; }

    internal bool IsEnabled => LossProbability > 0 || Delay > TimeSpan.Zero || Jitter > TimeSpan.Zero || DuplicateProbability > 0 || ReorderProbability > 0 || Bandwidth is not null;

    internal UdpEchoImpairmentOptions Clone() => (UdpEchoImpairmentOptions)MemberwiseClone();

    /// <summary>Checks every setting and throws for the first invalid one.</summary>
    /// <exception cref="ArgumentException">A setting is invalid. The message names it and its value.</exception>
    public void Validate() => Validate(nameof(UdpEchoImpairmentOptions));

    internal void Validate(string prefix)
    {
        Probability(LossProbability, nameof(LossProbability));
        Probability(DuplicateProbability, nameof(DuplicateProbability));
        Probability(ReorderProbability, nameof(ReorderProbability));
        Duration(Delay, nameof(Delay));
        Duration(Jitter, nameof(Jitter));

        if (LossBurst is { } burst)
        {
            var shortest = LossProbability >= 1 ? 1 : LossProbability / (1 - LossProbability);
            if (!(burst >= 1 && double.IsFinite(burst)) || burst < shortest)
            {
                throw new ArgumentOutOfRangeException(nameof(LossBurst), burst, string.Create(CultureInfo.InvariantCulture,
                    $"{prefix}.{nameof(LossBurst)} must be a mean burst length of at least 1 and at least {nameof(LossProbability)} / (1 - {nameof(LossProbability)}) = {shortest:0.###} (bursts cannot be shorter at that loss rate); it was {burst}."));
            }
        }

        if (!Enum.IsDefined(DelayDistribution))
        {
            throw new ArgumentOutOfRangeException(nameof(DelayDistribution), DelayDistribution, $"{prefix}.{nameof(DelayDistribution)} must be Uniform or Normal; it was {(int)DelayDistribution}.");
        }

        if (Bandwidth is < 1 or > 100_000_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(Bandwidth), Bandwidth, string.Create(CultureInfo.InvariantCulture, $"{prefix}.{nameof(Bandwidth)} must be from 1 to 100000000000 bytes per second when set; it was {Bandwidth}."));
        }

        if (MaxQueuedEchoes is < 1 or > MaxQueuedEchoesLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxQueuedEchoes), MaxQueuedEchoes, string.Create(CultureInfo.InvariantCulture, $"{prefix}.{nameof(MaxQueuedEchoes)} must be from 1 to {MaxQueuedEchoesLimit}; it was {MaxQueuedEchoes}."));
        }

        if (MaxQueuedBytes is < 65536 or > MaxQueuedBytesLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxQueuedBytes), MaxQueuedBytes, string.Create(CultureInfo.InvariantCulture, $"{prefix}.{nameof(MaxQueuedBytes)} must be from 65536 to {MaxQueuedBytesLimit}; it was {MaxQueuedBytes}."));
        }

        void Probability(double value, string name)
        {
            if (!(value >= 0 && value <= 1))
            {
                throw new ArgumentOutOfRangeException(name, value, $"{prefix}.{name} must be a probability from 0 to 1; it was {value.ToString(CultureInfo.InvariantCulture)}.");
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
