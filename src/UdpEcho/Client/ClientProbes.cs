using UdpEcho.Correlation;
using UdpEcho.Probing;

namespace UdpEcho.Client;

/// <summary>
/// The probes running on one client socket: each with a stream number of its own, which its echoes carry, and at most
/// one STAMP probe, whose replies carry no stream and are offered to it first. The list is copied on change, so the
/// receive thread reads it without a lock.
/// </summary>
internal sealed class ClientProbes
{
    private readonly object _gate = new();
    private ProbeRun[] _running = [];
    private volatile ProbeRun? _stamp;
    private uint _nextStream = 1;
    private int _nextSessionId;

    /// <summary>Gets the probes running now.</summary>
    public ProbeRun[] Running => Volatile.Read(ref _running);

    /// <summary>Gets the STAMP probe running now, if any.</summary>
    public ProbeRun? Stamp => _stamp;

    /// <summary>Gets the stream the next probe will get: every lower one (from 1) belongs to a probe that started.</summary>
    public uint NextStream => Volatile.Read(ref _nextStream);

    /// <summary>Starts a probe on <paramref name="connection"/>; failed at once if the connection is closing.</summary>
    /// <exception cref="InvalidOperationException">A STAMP probe is asked for while another runs.</exception>
    public ProbeRun Start(IEchoConnection connection, UdpEchoProbeOptions options, TimeProvider time, IProgress<UdpEchoProbeProgress>? progress)
    {
        lock (_gate)
        {
            var stamp = options.StampMode != UdpEchoStampMode.None;
            if (stamp && _stamp is not null)
            {
                // One socket, one stream of replies without tags: a second STAMP session from this port would share
                // them, and, at a reflector that predates RFC 8972's SSID, the reflector's count too.
                throw new InvalidOperationException(
                    $"A STAMP probe is already running on this client (SSID {_stamp.StampSessionId}): run one at a time, or run the other from a client of its own (another source port is another STAMP session).");
            }

            var probe = new ProbeRun(connection, _nextStream++, options, time, progress, stamp ? options.StampSessionId ?? NextSessionId() : (ushort)0);
            _running = [.. _running, probe];
            if (stamp)
            {
                _stamp = probe;
            }

            // Read after the probe is listed: a close that began before fails it here, one that begins after finds it listed.
            if (connection.Closing)
            {
                probe.Fail(new ObjectDisposedException(nameof(UdpEchoClient)));
            }

            return probe;
        }
    }

    public void End(ProbeRun probe)
    {
        lock (_gate)
        {
            _running = [.. _running.Where(p => p != probe)];
            if (_stamp == probe)
            {
                _stamp = null;
            }
        }

        probe.Dispose();
    }

    /// <summary>Finds the plain probe whose stream is <paramref name="stream"/>.</summary>
    public ProbeRun? Find(uint stream)
    {
        foreach (var probe in Running)
        {
            if (probe.Stream == stream && !probe.IsStamp)
            {
                return probe;
            }
        }

        return null;
    }

    public void FailAll(Exception exception)
    {
        foreach (var probe in Running)
        {
            probe.Fail(exception);
        }
    }

    /// <summary>
    /// The SSID of a STAMP probe that was given none: random for the socket's first, then one up (never 0), so that a
    /// stateful reflector counts each run from this socket from 0. Under the lock.
    /// </summary>
    private ushort NextSessionId()
    {
        if (_nextSessionId == 0)
        {
            _nextSessionId = Random.Shared.Next(1, 65536);
        }

        var ssid = (ushort)_nextSessionId;
        _nextSessionId = _nextSessionId == ushort.MaxValue ? 1 : _nextSessionId + 1;
        return ssid;
    }
}
