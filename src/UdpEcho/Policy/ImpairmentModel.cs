namespace UdpEcho.Policy;

/// <summary>
/// The impairment simulation's settings, compiled once for the server's clock: probabilities, delays in timestamp
/// ticks, the Gilbert model's transition probabilities, the link's cost per byte, and each loop's share of the queue
/// caps. Immutable, so a running server switches to new settings by swapping one reference.
/// </summary>
internal sealed class ImpairmentModel
{
    private static readonly TimeSpan MinHold = TimeSpan.FromMilliseconds(10);

    private ImpairmentModel(UdpEchoImpairmentOptions options, long frequency, int loops, long version)
    {
        Version = version;
        Seed = options.Seed;
        Loss = options.LossProbability;
        if (options.LossBurst is { } burst && Loss is > 0 and < 1)
        {
            // Two-state Gilbert: in Bad every echo is lost, in Good none. Bursts last 1/r on average, and the chain
            // spends p / (p + r) of its time in Bad, which must be the loss probability.
            BadToGood = 1 / burst;
            GoodToBad = Math.Min(1, Loss * BadToGood / (1 - Loss));
            Bursty = true;
        }

        Duplicate = options.DuplicateProbability;
        Reorder = options.ReorderProbability;
        DelayTicks = ToTicks(options.Delay, frequency);
        JitterTicks = ToTicks(options.Jitter, frequency);
        Normal = options.DelayDistribution == UdpEchoDelayDistribution.Normal;
        var hold = options.Delay + options.Jitter > MinHold ? options.Delay + options.Jitter : MinHold;
        HoldTicks = ToTicks(hold, frequency);
        TicksPerByte = options.Bandwidth is long bandwidth ? (double)frequency / bandwidth : 0;
        MaxBacklogBytes = options.MaxQueuedBytes;
        MaxEchoesPerLoop = Math.Max(1, options.MaxQueuedEchoes / loops);
        MaxBytesPerLoop = Math.Max(65536, options.MaxQueuedBytes / loops);
        Queues = DelayTicks > 0 || JitterTicks > 0 || Duplicate > 0 || Reorder > 0 || TicksPerByte > 0;
    }

    /// <summary>Gets a number that changes with every new model, so a loop notices new settings (and a new seed).</summary>
    public long Version { get; }

    public int? Seed { get; }

    public double Loss { get; }

    /// <summary>Gets a value indicating whether loss comes in bursts (the Gilbert model) rather than independently.</summary>
    public bool Bursty { get; }

    public double GoodToBad { get; }

    public double BadToGood { get; }

    public double Duplicate { get; }

    public double Reorder { get; }

    public long DelayTicks { get; }

    public long JitterTicks { get; }

    public bool Normal { get; }

    /// <summary>Gets how long a held (reordered) echo waits at most for one to follow.</summary>
    public long HoldTicks { get; }

    /// <summary>Gets the link's transmission time per byte, in timestamp ticks; 0 for no bandwidth limit.</summary>
    public double TicksPerByte { get; }

    public long MaxBacklogBytes { get; }

    public int MaxEchoesPerLoop { get; }

    public long MaxBytesPerLoop { get; }

    /// <summary>Gets a value indicating whether echoes wait in a queue at all; with loss alone, they are sent at once.</summary>
    public bool Queues { get; }

    /// <summary>Compiles <paramref name="options"/> (validated) for a clock of <paramref name="frequency"/> ticks per second; <see langword="null"/> when they impair nothing.</summary>
    public static ImpairmentModel? Create(UdpEchoImpairmentOptions options, long frequency, int loops, long version) =>
        options.IsEnabled ? new ImpairmentModel(options, frequency, loops, version) : null;

    private static long ToTicks(TimeSpan span, long frequency) => (long)Math.Ceiling(span.TotalSeconds * frequency);
}

/// <summary>
/// One receive loop's random choices for the impairment simulation: its own generator (seeded from the options' seed
/// and the loop's number), and the Gilbert model's state. Used by one loop only, so no draw is ever shared between
/// threads.
/// </summary>
internal sealed class Impairer(int loop)
{
    private Xoshiro256 _random = Xoshiro256.Create(null, loop);
    private long _seededVersion = -1;
    private bool _bad;

    /// <summary>Switches to <paramref name="model"/>'s seed the first time the loop sees it (each change of settings reseeds when it carries a seed).</summary>
    public void Follow(ImpairmentModel model)
    {
        if (model.Version != _seededVersion)
        {
            _seededVersion = model.Version;
            if (model.Seed is not null)
            {
                _random = Xoshiro256.Create(model.Seed, loop);
                _bad = false;
            }
        }
    }

    public bool IsLost(ImpairmentModel model)
    {
        if (model.Loss <= 0)
        {
            return false;
        }

        if (!model.Bursty)
        {
            return _random.NextDouble() < model.Loss;
        }

        // Move first, then the state decides this echo (netem's Gilbert model).
        _bad = _bad ? _random.NextDouble() >= model.BadToGood : _random.NextDouble() < model.GoodToBad;
        return _bad;
    }

    public bool Duplicates(ImpairmentModel model) => model.Duplicate > 0 && _random.NextDouble() < model.Duplicate;

    public bool Holds(ImpairmentModel model) => model.Reorder > 0 && _random.NextDouble() < model.Reorder;

    /// <summary>Draws one echo's delay in ticks (never negative).</summary>
    public long DrawDelay(ImpairmentModel model)
    {
        if (model.JitterTicks == 0)
        {
            return model.DelayTicks;
        }

        double offset;
        if (model.Normal)
        {
            // Box-Muller: one standard normal from two uniforms (the first kept away from 0 for the logarithm).
            var u1 = 1 - _random.NextDouble();
            var u2 = _random.NextDouble();
            offset = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }
        else
        {
            offset = (_random.NextDouble() * 2) - 1;
        }

        return Math.Max(0, model.DelayTicks + (long)Math.Round(offset * model.JitterTicks));
    }
}

/// <summary>
/// The simulated link of <see cref="UdpEchoImpairmentOptions.Bandwidth"/>, shared by every loop: the time at which it is
/// free again, moved on by each echo's transmission time with one compare-and-swap (no lock).
/// </summary>
internal sealed class SimulatedLink
{
    private long _freeAt = long.MinValue;

    /// <summary>Reserves the link for <paramref name="bytes"/> from <paramref name="now"/>; returns when the transmission ends, or -1 when the backlog ahead is over the cap (tail drop).</summary>
    public long Reserve(long now, int bytes, ImpairmentModel model)
    {
        var cost = (long)Math.Ceiling(Math.Max(1, bytes) * model.TicksPerByte);
        while (true)
        {
            var free = Volatile.Read(ref _freeAt);
            var start = Math.Max(free, now);
            if ((start - now) / model.TicksPerByte + bytes > model.MaxBacklogBytes)
            {
                return -1;
            }

            if (Interlocked.CompareExchange(ref _freeAt, start + cost, free) == free)
            {
                return start + cost;
            }
        }
    }
}

/// <summary>xoshiro256**, a small fast generator with a 256-bit state, seeded through SplitMix64 (Vigna). A value type: it lives in its loop's fields.</summary>
internal struct Xoshiro256
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    /// <summary>Seeds loop <paramref name="loop"/>'s generator from <paramref name="seed"/>, or at random when it is <see langword="null"/>.</summary>
    public static Xoshiro256 Create(int? seed, int loop)
    {
        var state = seed is int s ? (ulong)(uint)s + ((ulong)loop * 0xD1B5_4A32_D192_ED03UL) : (ulong)Random.Shared.NextInt64();
        var result = default(Xoshiro256);
        result._s0 = SplitMix(ref state);
        result._s1 = SplitMix(ref state);
        result._s2 = SplitMix(ref state);
        result._s3 = SplitMix(ref state);
        return result;
    }

    /// <summary>A double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    public ulong Next()
    {
        var result = System.Numerics.BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = System.Numerics.BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    private static ulong SplitMix(ref ulong state)
    {
        var z = state += 0x9E37_79B9_7F4A_7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }
}
