using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using UdpEcho.Tests.Infrastructure;
using UdpEcho.Tests.Stamp;
using static UdpEcho.Tests.Probing.StampProbeTesting;

namespace UdpEcho.Tests.Probing;

/// <summary>
/// <see cref="IUdpEchoClient.ProbeAsync"/> as a STAMP Session-Sender against <see cref="MinimalStampReflector"/>, a
/// reflector written from RFC 8762 alone that misbehaves on purpose: what it did is known, and the probe must say so.
/// </summary>
public sealed class StampProbeTests
{
    [Fact(Timeout = TestTimeouts.Long)]
    public async Task ProbeAsync_AfterAWarmUp_SplitsOnlyTheMeasuredProbesLoss()
    {
        // Packets 0-4 warm up, 5-105 are measured. The reflector ignores arrivals 7, 14, ... 105 (15 of the measured:
        // 0-based 6 ... 104) and drops replies 11, 22, ... 88 (counts 10 ... 87: 8, all measured). The last packet is
        // answered, so every loss has a direction.
        using var reflector = new MinimalStampReflector { Stateful = true, IgnoreEvery = 7, DropEvery = 11 }.Start();
        await using var client = ClientOf(reflector.EndPoint);

        var result = await client.ProbeAsync(Paced(UdpEchoStampMode.Stateful, count: 101, warmUp: 5)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((101, 78), (result.Sent, result.Received));
        Assert.Equal((15L, 8L, 0L), (result.Stamp!.ForwardLost, result.Stamp.BackwardLost, result.Stamp.UnattributedLost));
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task ProbeAsync_StatelessReflector_LeavesTheLossUnattributed()
    {
        using var reflector = new MinimalStampReflector { IgnoreEvery = 5, Ttl = 61 }.Start();
        await using var client = ClientOf(reflector.EndPoint);
        var replies = new ConcurrentQueue<UdpEchoProbeProgress>();

        var result = await client.ProbeAsync(Paced(UdpEchoStampMode.Stateless, count: 20), Recorder(replies)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(16, result.Received);
        Assert.Equal((0L, 0L, 4L), (result.Stamp!.ForwardLost, result.Stamp.BackwardLost, result.Stamp.UnattributedLost));
        Assert.Equal(UdpEchoStampMode.Stateless, result.Stamp.Mode);
        Assert.Equal(61, result.Stamp.ReflectorTtl);

        // A stateless reflector's reply carries the probe's own sequence number.
        Assert.All(Answered(replies), e => Assert.Equal((uint)e.Sequence, e.Stamp!.Value.ReflectorSequence));
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task ProbeAsync_IPv6Reflector_MeasuresItToo()
    {
        using var reflector = new MinimalStampReflector(AddressFamily.InterNetworkV6) { Stateful = true, Ttl = 63 }.Start();
        await using var client = ClientOf(reflector.EndPoint);

        var result = await client.ProbeAsync(Paced(UdpEchoStampMode.Stateful, count: 5, size: 1000)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(5, result.Received);
        Assert.Equal(5, result.Stamp!.ReflectorProcessing.Count);
        Assert.Equal((63, 63, 63), (result.Stamp.ReflectorTtl, result.Stamp.MinReflectorTtl, result.Stamp.MaxReflectorTtl));
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ProbeAsync_EchoServer_FailsSayingItEchoesRatherThanReflects()
    {
        await using var server = await ServerTesting.StartServerAsync();
        await using var client = ClientOf(server.Target());

        var e = await Assert.ThrowsAsync<UdpEchoException>(() => client.ProbeAsync(Paced(UdpEchoStampMode.Stateful, count: 5)).WaitAsync(TestTimeouts.Await));

        Assert.Contains("back unchanged", e.Message, StringComparison.Ordinal);
        Assert.Contains("udpecho serve --stamp", e.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task ProbeAsync_SecondStampProbeWhileOneRuns_IsRefusedAndTheNextGetsTheNextSsid()
    {
        using var reflector = new MinimalStampReflector { Stateful = true }.Start();
        await using var client = ClientOf(reflector.EndPoint);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var first = client.ProbeAsync(
            new UdpEchoProbeOptions { StampMode = UdpEchoStampMode.Stateful, Duration = Timeout.InfiniteTimeSpan, Interval = TimeSpan.FromMilliseconds(5) },
            new ImmediateProgress(_ => started.TrySetResult()),
            stop.Token);
        await started.Task.WaitAsync(TestTimeouts.Await);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => client.ProbeAsync(Paced(UdpEchoStampMode.Stateful, count: 1)));
        var plain = await client.ProbeAsync(new UdpEchoProbeOptions { Count = 1, Timeout = TimeSpan.FromMilliseconds(50) }).WaitAsync(TestTimeouts.Await);
        await stop.CancelAsync();
        var canceled = await Assert.ThrowsAsync<UdpEchoProbeCanceledException>(() => first.WaitAsync(TestTimeouts.Await));
        var next = await client.ProbeAsync(Paced(UdpEchoStampMode.Stateful, count: 3)).WaitAsync(TestTimeouts.Await);

        Assert.Contains("already running", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, plain.Sent); // a plain probe runs beside it (the reflector does not answer it as an echo server would)
        var firstSsid = canceled.Result!.Stamp!.SessionId;
        Assert.NotEqual(0, firstSsid);
        Assert.Equal(firstSsid == ushort.MaxValue ? 1 : firstSsid + 1, next.Stamp!.SessionId);

        // A fresh SSID is a fresh session: the reflector counted the new run from 0, and nothing was lost.
        Assert.Equal(3, next.Received);
        Assert.Equal(0, next.Stamp.UnattributedLost);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task ProbeAsync_StampProbeBesideCallsAndAPlainProbe_EachGetsItsOwnReplies()
    {
        using var peer = new EchoAndStampPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, Timeout = TimeSpan.FromSeconds(2), Retries = 2 });

        var stamp = client.ProbeAsync(Paced(UdpEchoStampMode.Stateless, count: 50, size: 64));
        var plain = client.ProbeAsync(new UdpEchoProbeOptions { Count = 50, Window = 4, Size = 64, Timeout = TestTimeouts.Echo });
        var calls = Enumerable.Range(0, 4).Select(async caller =>
        {
            for (var i = 0; i < 10; i++)
            {
                var payload = BitConverter.GetBytes((caller * 1000) + i);
                var reply = await client.SendAndReceiveAsync(payload);
                Assert.Equal(payload, reply.Payload.ToArray());
            }
        });
        await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(30));
        var stampResult = await stamp.WaitAsync(TimeSpan.FromSeconds(30));
        var plainResult = await plain.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(50, stampResult.Received);
        Assert.Equal(50, stampResult.Stamp!.ReflectorProcessing.Count);
        Assert.Equal(50, plainResult.Received);
        Assert.Null(plainResult.Stamp);
        var statistics = client.GetStatistics();
        Assert.Equal((0L, 0L, 0L), (statistics.Unmatched, statistics.Corrupt, statistics.Foreign));
        Assert.Equal(140, statistics.Echoes);
    }

    /// <summary>
    /// One loopback port that echoes what UdpEcho's tag starts (or anything shorter than a STAMP test packet), and
    /// reflects everything else as a stateless STAMP Session-Reflector (RFC 8762 §4.3.1), by hand.
    /// </summary>
    private sealed class EchoAndStampPeer : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly Thread _thread;

        public EchoAndStampPeer()
        {
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
            _thread = new Thread(Serve) { IsBackground = true, Name = "Echo and STAMP peer" };
            _thread.Start();
        }

        public IPEndPoint EndPoint { get; }

        public void Dispose()
        {
            _socket.Dispose();
            _thread.Join(TestTimeouts.Await);
        }

        private void Serve()
        {
            var buffer = new byte[65536];
            Span<byte> test = stackalloc byte[16]; // a test packet's sequence, T1, error estimate and SSID
            while (true)
            {
                EndPoint from = new IPEndPoint(IPAddress.Any, 0);
                int length;
                try
                {
                    length = _socket.ReceiveFrom(buffer, ref from);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }

                var datagram = buffer.AsSpan(0, length);
                if (length >= 44 && BinaryPrimitives.ReadUInt32BigEndian(datagram) != 0x5545_5401)
                {
                    var t2 = MinimalStampSender.NtpNow();
                    datagram[..16].CopyTo(test);
                    datagram[4..44].Clear(); // the sequence stays: stateless
                    BinaryPrimitives.WriteUInt16BigEndian(datagram[12..], 0x0001);
                    test[14..].CopyTo(datagram[14..]);
                    BinaryPrimitives.WriteUInt64BigEndian(datagram[16..], t2);
                    test[..14].CopyTo(datagram[24..]);
                    datagram[40] = 255;
                    BinaryPrimitives.WriteUInt64BigEndian(datagram[4..], MinimalStampSender.NtpNow());
                }

                try
                {
                    _socket.SendTo(datagram, from);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }
            }
        }
    }
}

/// <summary>What the STAMP probe tests share.</summary>
internal static class StampProbeTesting
{
    public static UdpEchoClient ClientOf(IPEndPoint remote) => new(new UdpEchoClientOptions { RemoteEndPoint = remote });

    /// <summary>A paced STAMP probe (1 ms apart, any number in flight) whose timeout no loopback reply misses.</summary>
    public static UdpEchoProbeOptions Paced(UdpEchoStampMode mode, int count, int warmUp = 0, int size = UdpEchoProbeOptions.MinStampSize) => new()
    {
        StampMode = mode,
        Count = count,
        WarmUp = warmUp,
        Size = size,
        Interval = TimeSpan.FromMilliseconds(1),
        Timeout = TestTimeouts.Echo,
    };

    public static IProgress<UdpEchoProbeProgress> Recorder(ConcurrentQueue<UdpEchoProbeProgress> events) => new ImmediateProgress(events.Enqueue);

    public static List<UdpEchoProbeProgress> Answered(IEnumerable<UdpEchoProbeProgress> events) =>
        [.. events.Where(e => e.Outcome == UdpEchoProbeOutcome.Answered && !e.IsWarmUp).OrderBy(e => e.Sequence)];

    internal sealed class ImmediateProgress(Action<UdpEchoProbeProgress> report) : IProgress<UdpEchoProbeProgress>
    {
        public void Report(UdpEchoProbeProgress value) => report(value);
    }
}
