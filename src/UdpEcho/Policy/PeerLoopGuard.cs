using UdpEcho.Addressing;

namespace UdpEcho.Policy;

/// <summary>
/// Stops an echo loop between this server and another echo server (a STAMP reflector's loops, whose bytes change at
/// every bounce, are stopped by the pipeline's reflected-packet check instead): per source endpoint it keeps a
/// fingerprint of the last echo sent there, and a source whose datagrams keep coming back, quickly, as exactly that echo
/// is muted for a while. A loop is cut after <see cref="Threshold"/> bounces.
/// </summary>
/// <remarks>
/// <para>
/// A heuristic, and it cannot be anything else: a client that sends the same bytes back to back, each as soon as the
/// last echo arrived, looks exactly like a peer echoing back. Hence the setting (<see cref="UdpEchoLoopGuard"/>), off
/// by default on loopback where test harnesses live. Retries, a line typed twice, tagged probes and two clients behind
/// one address never reach the threshold.
/// </para>
/// <para>
/// One instance per receive loop (a sender's datagrams always reach the same loop), not thread-safe. The table holds at
/// most <c>capacity</c> sources (<see cref="BoundedTable{TKey, TValue}"/>), so nothing is allocated per datagram.
/// </para>
/// </remarks>
internal sealed class PeerLoopGuard
{
    /// <summary>How many echoes in a row must come straight back before the source is muted.</summary>
    public const int Threshold = 16;

    /// <summary>An echo that comes back later than this after it was sent is not a bounce (no network takes a second to cross and back).</summary>
    public static readonly TimeSpan BounceWindow = TimeSpan.FromSeconds(1);

    /// <summary>How long a muted source gets no echo.</summary>
    public static readonly TimeSpan MuteTime = TimeSpan.FromSeconds(10);

    private readonly BoundedTable<(UInt128 Address, ushort Port), Entry> _entries;
    private readonly long _windowTicks;
    private readonly long _muteTicks;
    private int _slot;
    private ulong _fingerprint;

    public PeerLoopGuard(int capacity, long timestampFrequency)
    {
        _entries = new BoundedTable<(UInt128, ushort), Entry>(capacity);
        _windowTicks = (long)(BounceWindow.TotalSeconds * timestampFrequency);
        _muteTicks = (long)(MuteTime.TotalSeconds * timestampFrequency);
    }

    public int Count => _entries.Count;

    /// <summary>
    /// Decides whether the datagram <paramref name="payload"/> from <paramref name="address"/>:<paramref name="port"/>,
    /// arriving at <paramref name="now"/>, may be echoed: not while the source is muted, and not when it is the last echo
    /// sent there, coming back for the <see cref="Threshold"/>th time in a row. Call <see cref="Sent"/> if it is echoed.
    /// </summary>
    public bool Admit(UInt128 address, ushort port, ReadOnlySpan<byte> payload, long now)
    {
        _slot = _entries.SlotOf((address, port), out _);
        ref var entry = ref _entries.At(_slot);
        if (entry.MutedUntil != 0 && now < entry.MutedUntil)
        {
            return false;
        }

        _fingerprint = Fingerprint.Of(payload);
        entry.MutedUntil = 0;
        entry.Bounces = entry.Echoed && _fingerprint == entry.Fingerprint && now - entry.EchoedAt <= _windowTicks ? entry.Bounces + 1 : 0;
        if (entry.Bounces < Threshold)
        {
            return true;
        }

        entry.MutedUntil = now + _muteTicks;
        entry.Bounces = 0;
        entry.Echoed = false;
        return false;
    }

    /// <summary>
    /// The datagram <see cref="Admit"/> last let through is being echoed (not lost on purpose, rate limited or dropped
    /// at a stop): it is now the last echo sent to its source.
    /// </summary>
    public void Sent(long now)
    {
        ref var entry = ref _entries.At(_slot);
        entry.Fingerprint = _fingerprint;
        entry.EchoedAt = now;
        entry.Echoed = true;
    }

    /// <summary>Decides, and records the echo as sent when allowed (both steps of <see cref="Admit"/> and <see cref="Sent"/>).</summary>
    public bool Allow(UInt128 address, ushort port, ReadOnlySpan<byte> payload, long now)
    {
        if (!Admit(address, port, payload, now))
        {
            return false;
        }

        Sent(now);
        return true;
    }

    private struct Entry
    {
        public ulong Fingerprint;
        public long EchoedAt;
        public long MutedUntil;
        public int Bounces;
        public bool Echoed;
    }
}
