using System.Globalization;

namespace UdpEcho;

/// <summary>
/// Configures a probe: how many datagrams, how fast, how large, and how long each may take. The probe takes a copy when
/// it starts.
/// </summary>
/// <remarks>
/// <para>
/// Pacing: with neither <see cref="Interval"/> nor <see cref="Rate"/>, the probe is a closed loop: it keeps
/// <see cref="Window"/> probes in flight (1 by default, a ping-pong like netperf's UDP_RR) and sends the next as soon
/// as one is answered or times out. With either, it is an open loop: probe <c>k</c> is sent at <c>k</c> intervals
/// after the first, whether or not earlier ones were answered (like iperf3 or sockperf under load), and
/// <see cref="Window"/>, unlimited by default then, only caps the probes in flight. With
/// <see cref="TimeProvider.System"/> the probe's sends are timed by a thread of its own that sleeps until each is due
/// (on Linux to within a few microseconds), not by the system's timers, which on Linux advance in steps of the
/// kernel's tick (4 ms at HZ=250); with any other <see cref="TimeProvider"/> (a test's), by that provider's timers.
/// </para>
/// <para>
/// Every probe datagram starts with a 24-byte tag (magic, probe number, send timestamp) that any echo server reflects,
/// so each echo is matched to its probe and its own send time.
/// </para>
/// <para>
/// With <see cref="StampMode"/> set, the probe is a STAMP Session-Sender instead (RFC 8762): it sends STAMP test packets
/// to a STAMP Session-Reflector and reports, beside the round trip, the one-way delays, the reflector's processing time
/// and the loss by direction in <see cref="UdpEchoProbeResult.Stamp"/>. See <c>docs/stamp.md</c>.
/// </para>
/// </remarks>
public sealed class UdpEchoProbeOptions
{
    /// <summary>The smallest <see cref="Size"/>: the tag every probe carries.</summary>
    public const int MinSize = 24;

    /// <summary>The smallest <see cref="Size"/> of a STAMP probe (<see cref="StampMode"/>): the unauthenticated test packet of RFC 8762 §4.2.1.</summary>
    public const int MinStampSize = 44;

    /// <summary>The most probes in flight at once.</summary>
    public const int MaxWindow = 1 << 20;

    /// <summary>The highest <see cref="Rate"/>, in messages per second.</summary>
    public const double MaxRate = 10_000_000;

    /// <summary>The default number of probes when neither <see cref="Count"/> nor <see cref="Duration"/> is set.</summary>
    public const int DefaultCount = 10;

    private static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(1);
    private static readonly TimeSpan MaxInterval = TimeSpan.FromHours(1);

    /// <summary>Gets or sets how many probes to measure (warm-up probes come on top).</summary>
    /// <value>The default is <see langword="null"/>: <see cref="DefaultCount"/> when <see cref="Duration"/> is not set either, no limit when it is. At least 1.</value>
    public int? Count { get; set; }

    /// <summary>Gets or sets how long to keep sending, from the first measured probe. With <see cref="Count"/> too, whichever ends first.</summary>
    /// <value>The default is <see langword="null"/>: no time limit. <see cref="Timeout.InfiniteTimeSpan"/> sends until cancelled.</value>
    public TimeSpan? Duration { get; set; }

    /// <summary>Gets or sets the time between the sends of consecutive probes. Set this or <see cref="Rate"/>, not both.</summary>
    /// <value>The default is <see langword="null"/>: no pacing. <see cref="TimeSpan.Zero"/> means no pacing too. At most one hour.</value>
    public TimeSpan? Interval { get; set; }

    /// <summary>Gets or sets the rate to send probes at, in messages per second: the same as an <see cref="Interval"/> of 1 / rate.</summary>
    /// <value>The default is <see langword="null"/>: no pacing. Greater than 0, at most <see cref="MaxRate"/>.</value>
    public double? Rate { get; set; }

    /// <summary>Gets or sets the most probes in flight (sent, neither answered nor timed out) at once.</summary>
    /// <value>The default is <see langword="null"/>: 1 without pacing, unlimited (<see cref="MaxWindow"/>) with <see cref="Interval"/> or <see cref="Rate"/>. From 1 to <see cref="MaxWindow"/>.</value>
    public int? Window { get; set; }

    /// <summary>Gets or sets the size of each probe datagram in bytes, tag included (a STAMP probe's test packet, padding included).</summary>
    /// <value>The default is 64. From <see cref="MinSize"/> (<see cref="MinStampSize"/> for a STAMP probe) to 65507 over IPv4, 65527 over IPv6.</value>
    public int Size { get; set; } = 64;

    /// <summary>Gets or sets what fills each datagram after the tag. A STAMP probe pads its test packets with zeros instead, and ignores this.</summary>
    /// <value>The default is <see cref="UdpEchoPayloadPattern.Incrementing"/>.</value>
    public UdpEchoPayloadPattern Pattern { get; set; } = UdpEchoPayloadPattern.Incrementing;

    /// <summary>Gets or sets the seed of <see cref="UdpEchoPayloadPattern.Random"/>.</summary>
    /// <value>The default is 0.</value>
    public int Seed { get; set; }

    /// <summary>Gets or sets how many probes to send first and leave out of every statistic, to warm up caches, JIT and ARP.</summary>
    /// <value>The default is 0. At least 0.</value>
    public int WarmUp { get; set; }

    /// <summary>Gets or sets how long each probe waits for its echo; an echo after that is late, and the probe lost.</summary>
    /// <value>The default is 1 second. Positive, at most one hour.</value>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets or sets whether the probe is a STAMP Session-Sender (RFC 8762), and which kind of Session-Reflector it
    /// measures: a stateful one numbers its replies itself, so that the probe can tell a test packet lost on the way
    /// out from a reply lost on the way back.
    /// </summary>
    /// <value>
    /// The default is <see cref="UdpEchoStampMode.None"/>: a plain probe of tagged datagrams, for any echo server.
    /// <see cref="UdpEchoStampMode.Stateless"/> or <see cref="UdpEchoStampMode.Stateful"/>: unauthenticated STAMP test
    /// packets (RFC 8762 §4.2.1), numbered from 0 and padded with zeros to <see cref="Size"/>, which must then be at least
    /// <see cref="MinStampSize"/>, for a reflector of that kind; the result's <see cref="UdpEchoProbeResult.Stamp"/>
    /// holds what STAMP adds. One STAMP probe at a time runs on a client.
    /// </value>
    public UdpEchoStampMode StampMode { get; set; }

    /// <summary>
    /// Gets or sets the Session-Sender Identifier (SSID, RFC 8972 §3) a STAMP probe writes into its test packets. A
    /// stateful reflector that implements RFC 8972 counts each SSID of a sender apart, so a fresh SSID is a fresh count.
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: the client chooses one, at random for its first STAMP probe and the next
    /// value (never 0) for each one after, so that no two of its runs share a reflector's count. 0 is RFC 8762's
    /// must-be-zero: no SSID. Set only with <see cref="StampMode"/>. A fixed SSID used again from the same socket
    /// continues a stateful reflector's count from the last run, which leaves the run's losses unattributed.
    /// </value>
    public ushort? StampSessionId { get; set; }

    /// <summary>Checks every option and throws for the first invalid one.</summary>
    /// <exception cref="ArgumentException">An option is invalid. The message names the option and its value.</exception>
    public void Validate()
    {
        if (Count is < 1)
        {
            throw Invalid(nameof(Count), Count, $"must be at least 1, or null; it was {Count}.");
        }

        if (Duration is { } duration && duration != System.Threading.Timeout.InfiniteTimeSpan && duration <= TimeSpan.Zero)
        {
            throw Invalid(nameof(Duration), duration, $"must be positive, Timeout.InfiniteTimeSpan, or null; it was {duration}.");
        }

        if (Interval is { } interval && (interval < TimeSpan.Zero || interval > MaxInterval))
        {
            throw Invalid(nameof(Interval), interval, $"must be from 0 to {MaxInterval}, or null; it was {interval}.");
        }

        if (Rate is { } rate && (double.IsNaN(rate) || rate <= 0 || rate > MaxRate))
        {
            throw Invalid(nameof(Rate), rate, $"must be greater than 0 and at most {MaxRate.ToString(CultureInfo.InvariantCulture)} messages per second, or null; it was {rate.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (Interval is not null && Rate is not null)
        {
            throw new ArgumentException($"{nameof(UdpEchoProbeOptions)}.{nameof(Rate)} and {nameof(Interval)} say the same thing: set one of them; they were {Rate.Value.ToString(CultureInfo.InvariantCulture)} and {Interval}.", nameof(Rate));
        }

        if (Window is < 1 or > MaxWindow)
        {
            throw Invalid(nameof(Window), Window, $"must be from 1 to {MaxWindow}, or null; it was {Window}.");
        }

        if (Size is < MinSize or > UdpEchoServerOptions.MaxIPv6DatagramSize)
        {
            throw Invalid(nameof(Size), Size, $"must be from {MinSize} (the probe's tag) to {UdpEchoServerOptions.MaxIPv6DatagramSize} bytes; it was {Size}.");
        }

        if (!Enum.IsDefined(Pattern))
        {
            throw Invalid(nameof(Pattern), Pattern, $"must be Zeros, Ones, Incrementing or Random; it was {(int)Pattern}.");
        }

        if (WarmUp < 0)
        {
            throw Invalid(nameof(WarmUp), WarmUp, $"must be at least 0; it was {WarmUp}.");
        }

        if (Timeout <= TimeSpan.Zero || Timeout > MaxTimeout)
        {
            throw Invalid(nameof(Timeout), Timeout, $"must be positive and at most {MaxTimeout}; it was {Timeout}.");
        }

        ValidateStamp();
    }

    internal UdpEchoProbeOptions Clone() => (UdpEchoProbeOptions)MemberwiseClone();

    /// <summary>Gets the number of probes to send in all, warm-up included, or <see cref="long.MaxValue"/> for no limit.</summary>
    internal long TotalProbes => Count is { } count ? (long)WarmUp + count : Duration is null ? (long)WarmUp + DefaultCount : long.MaxValue;

    /// <summary>Gets the time between sends in seconds, or 0 for none; kept in double so that high rates stay exact.</summary>
    internal double IntervalSeconds => Rate is { } rate ? 1 / rate : (Interval ?? TimeSpan.Zero).TotalSeconds;

    internal int EffectiveWindow => Window ?? (IntervalSeconds > 0 ? MaxWindow : 1);

    private void ValidateStamp()
    {
        if (!Enum.IsDefined(StampMode))
        {
            throw Invalid(nameof(StampMode), StampMode, $"must be None, Stateless or Stateful; it was {(int)StampMode}.");
        }

        if (StampMode != UdpEchoStampMode.None && Size < MinStampSize)
        {
            throw Invalid(nameof(Size), Size, $"must be at least {MinStampSize} bytes (a STAMP test packet, RFC 8762 section 4.2.1) when StampMode is {StampMode}; it was {Size}.");
        }

        if (StampMode == UdpEchoStampMode.None && StampSessionId is { } ssid)
        {
            throw Invalid(nameof(StampSessionId), ssid, $"is a STAMP session identifier, but StampMode is None: set StampMode too, or leave StampSessionId null; it was {ssid}.");
        }
    }

    private static ArgumentOutOfRangeException Invalid(string option, object? value, string rule) =>
        new(option, value, $"{nameof(UdpEchoProbeOptions)}.{option} {rule}");
}
