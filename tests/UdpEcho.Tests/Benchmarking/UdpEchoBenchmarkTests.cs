using System.Net;
using System.Net.Sockets;
using UdpEcho.Tests.Client;
using UdpEcho.Tests.Infrastructure;
using UdpEcho.Tests.Probing;

namespace UdpEcho.Tests.Benchmarking;

public sealed class UdpEchoBenchmarkTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(200);

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunAsync_FloodAgainstServer_EveryEchoReceivedIntactAndTimed(bool portable)
    {
        await using var server = await ServerTesting.StartServerAsync();

        var result = await UdpEchoBenchmark.RunAsync(Options(server.Target(), portable: portable)).WaitAsync(TestTimeouts.Await);

        AssertAllReceived(result);
        Assert.Equal(server.Target(), result.RemoteEndPoint);
        Assert.True(result.Sent > 64, $"A flood of {Short} sent only {result.Sent} datagrams.");
        Assert.Equal(result.Sent, server.GetStatistics().DatagramsEchoed);
        Assert.InRange(result.Elapsed, Short * 0.9, TestTimeouts.Await);
        Assert.Equal(result.Received / result.Elapsed.TotalSeconds, result.EchoesPerSecond, 6);
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunAsync_PingPong_OneInFlightEveryEchoReceived(bool portable)
    {
        using var server = new ImpairedEchoServer(delay: _ => TimeSpan.FromMilliseconds(2));

        var result = await UdpEchoBenchmark.RunAsync(Options(server.EndPoint, UdpEchoBenchmarkMode.PingPong, portable: portable)).WaitAsync(TestTimeouts.Await);

        AssertAllReceived(result);

        // One at a time, each held 2 ms: at most one per 2 ms, and every round trip at least the hold.
        Assert.InRange(result.Sent, 2, 100);
        Assert.True(result.RoundTrip.Min >= TimeSpan.FromMilliseconds(2), $"min {result.RoundTrip.Min}");
        Assert.True(result.EchoesPerSecond <= 500, $"{result.EchoesPerSecond} echoes/s");
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task RunAsync_IPv6_Works()
    {
        await using var server = await ServerTesting.StartServerAsync(new UdpEchoServerOptions { Address = IPAddress.IPv6Loopback });

        var result = await UdpEchoBenchmark.RunAsync(Options(server.Target(AddressFamily.InterNetworkV6), size: 1200)).WaitAsync(TestTimeouts.Await);

        AssertAllReceived(result);
        Assert.Equal(IPAddress.IPv6Loopback, result.RemoteEndPoint!.Address);
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(65507)]
    public async Task RunAsync_AnySize_EveryEchoReceived(int size)
    {
        await using var server = await ServerTesting.StartServerAsync();

        // Two 64 KB datagrams at a time already fill the default socket buffers; the kernel would drop a third.
        var result = await UdpEchoBenchmark.RunAsync(Options(server.Target(), size: size, window: size > 1500 ? 1 : 8)).WaitAsync(TestTimeouts.Await);

        AssertAllReceived(result);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task RunAsync_HostName_IsResolved()
    {
        await using var server = await ServerTesting.StartServerAsync();

        var result = await UdpEchoBenchmark.RunAsync(Options(new DnsEndPoint("localhost", server.LocalEndPoint!.Port))).WaitAsync(TestTimeouts.Await);

        AssertAllReceived(result);
    }

    public static TheoryData<int, int> Flips => new()
    {
        { 100, 0 },     // the window place: names no place
        { 100, 5 },     // the use count: names a use not yet made
        { 100, 12 },    // the send timestamp: not the datagram's
        { 100, 99 },    // the pattern
        { 8, 3 },       // a datagram too small for a header
    };

    [Theory(Timeout = TestTimeouts.Short)]
    [MemberData(nameof(Flips))]
    public async Task RunAsync_ServerChangesAByteOfEveryOtherEcho_CountedCorruptNeverReceived(int size, int offset)
    {
        using var server = new ImpairedEchoServer(mangle: (index, echo) =>
        {
            if (index % 2 == 1)
            {
                echo[offset] ^= 0x40;
            }
        });

        // A timeout long enough that no intact echo is late, however busy the machine.
        var result = await UdpEchoBenchmark.RunAsync(Options(server.EndPoint, size: size, window: 4, timeout: TimeSpan.FromSeconds(1))).WaitAsync(TestTimeouts.Await);

        // A corrupt echo answers nothing: its datagram times out, and is lost.
        Assert.True(result.Corrupt > 0);
        Assert.Equal(server.Received, result.Sent);
        Assert.True(result.Received > 0);
        if (size >= UdpEchoBenchmarkOptions.HeaderSize)
        {
            Assert.Equal(result.Sent, result.Received + result.Corrupt);
            Assert.Equal(result.Corrupt, result.Lost);
        }
        else
        {
            // In order, a corrupt echo leaves its datagram to be credited with the next intact echo, and the last to time out.
            Assert.InRange(result.Lost, 1, result.Corrupt);
        }
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(1000, 511)]
    [InlineData(12, 5)]
    public async Task RunAsync_ServerKeepsOnlyTheFirstBytes_EveryEchoTruncatedEveryDatagramLost(int size, int kept)
    {
        // The original C server's buffer: longer echoes come back cut. A minute's timeout: a truncated echo loses its
        // datagram at once, so the window keeps moving.
        using var server = new ImpairedEchoServer(truncateTo: kept);

        var result = await UdpEchoBenchmark.RunAsync(Options(server.EndPoint, size: size, window: 4, timeout: TimeSpan.FromMinutes(1))).WaitAsync(TestTimeouts.Await);

        Assert.True(result.Sent > 0);
        Assert.Equal(0, result.Received);
        Assert.Equal(result.Sent, result.Truncated);
        Assert.Equal(0, result.Corrupt);
        Assert.Equal(100, result.LossPercent);
        Assert.Equal(new UdpEchoRoundTripStatistics().Max, result.RoundTrip.Max);
        Assert.Equal(0, result.EchoesPerSecond);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task RunAsync_ServerDuplicatesEveryEcho_DuplicatesUnmatchedNotReceived()
    {
        using var duplicating = new DuplicatingEchoServer();

        var result = await UdpEchoBenchmark.RunAsync(Options(duplicating.EndPoint, window: 4)).WaitAsync(TestTimeouts.Await);

        // Every second echo is a duplicate; those of the last window may come after the run has ended.
        AssertAllReceived(result);
        Assert.InRange(result.Unmatched, result.Received - 4, result.Received);
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(64)]
    [InlineData(8)]
    public async Task RunAsync_SilentServer_EveryDatagramLostAndTheFloodGoesOn(int size)
    {
        using var silent = new RawUdpSocket();

        var result = await UdpEchoBenchmark.RunAsync(Options(silent.LocalEndPoint, size: size, window: 8, timeout: TimeSpan.FromMilliseconds(40))).WaitAsync(TestTimeouts.Await);

        // Each place in the window is freed when its datagram times out, so the flood sends more than one window.
        Assert.True(result.Sent > 8, $"sent {result.Sent}");
        Assert.Equal(0, result.Received);
        Assert.Equal(result.Sent, result.Lost);
        Assert.Equal(100, result.LossPercent);
        Assert.Equal(0, result.Corrupt);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task RunAsync_SlowServer_EchoesAfterTheTimeoutAreLostAndUnmatched()
    {
        using var slow = new ImpairedEchoServer(delay: _ => TimeSpan.FromMilliseconds(60));

        var result = await UdpEchoBenchmark.RunAsync(Options(slow.EndPoint, window: 2, timeout: TimeSpan.FromMilliseconds(20))).WaitAsync(TestTimeouts.Await);

        Assert.True(result.Sent > 0);
        Assert.Equal(0, result.Received);
        Assert.Equal(result.Sent, result.Lost);
        Assert.True(result.Unmatched > 0, "Echoes that came after their timeout should be reported.");
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task RunAsync_NothingListens_ThrowsNamingTheEndpoint()
    {
        int port;
        using (var probe = new RawUdpSocket())
        {
            port = probe.LocalEndPoint.Port;
        }

        var error = await Assert.ThrowsAsync<UdpEchoException>(() => UdpEchoBenchmark.RunAsync(Options(new IPEndPoint(IPAddress.Loopback, port))).WaitAsync(TestTimeouts.Await));

        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
        Assert.Equal($"No UDP echo server is listening at 127.0.0.1:{port}: the destination reported it unreachable (ConnectionRefused).", error.Message);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task RunAsync_SizeTooLargeForIPv4_ThrowsArgumentException()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => UdpEchoBenchmark.RunAsync(Options(new IPEndPoint(IPAddress.Loopback, 7), size: 65508)));

        Assert.StartsWith("UdpEchoBenchmarkOptions.Size is 65508 bytes; a UDP datagram to the IPv4 endpoint 127.0.0.1:7 carries at most 65507.", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task RunAsync_Cancelled_ThrowsWithWhatWasMeasured()
    {
        await using var server = await ServerTesting.StartServerAsync();
        using var cts = new CancellationTokenSource();
        var progress = new SignallingProgress(p => p.Received > 100);

        var run = UdpEchoBenchmark.RunAsync(Options(server.Target(), duration: TimeSpan.FromMinutes(1)), progress, cts.Token);
        await progress.Reached.WaitAsync(TestTimeouts.Await);
        await cts.CancelAsync();
        var error = await Assert.ThrowsAsync<UdpEchoBenchmarkCanceledException>(() => run.WaitAsync(TestTimeouts.Await));

        Assert.IsAssignableFrom<OperationCanceledException>(error);
        Assert.Equal(cts.Token, error.CancellationToken);
        var result = error.Result!;
        Assert.True(result.Received > 100);

        // Datagrams in flight when the run stopped have no outcome: they are left out, not lost.
        Assert.Equal(result.Sent, result.Received);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task RunAsync_CancelledBeforeStart_ThrowsOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAsync<OperationCanceledException>(() => UdpEchoBenchmark.RunAsync(Options(new IPEndPoint(IPAddress.Loopback, 7)), null, cts.Token));
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task RunAsync_WarmUp_LeftOutOfEveryFigure()
    {
        await using var server = await ServerTesting.StartServerAsync();
        var options = Options(server.Target(), window: 4);
        options.WarmUp = TimeSpan.FromMilliseconds(100);

        var result = await UdpEchoBenchmark.RunAsync(options).WaitAsync(TestTimeouts.Await);

        AssertAllReceived(result);
        var echoed = server.GetStatistics().DatagramsEchoed;
        Assert.True(echoed > result.Sent, $"The server echoed {echoed}, the benchmark counted {result.Sent}: the warm-up was counted.");
        Assert.InRange(result.Elapsed, Short * 0.9, TestTimeouts.Await);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task RunAsync_Progress_ReportsRunningTotalsOnTheWay()
    {
        await using var server = await ServerTesting.StartServerAsync();
        var progress = new SignallingProgress(_ => false);

        var result = await UdpEchoBenchmark.RunAsync(Options(server.Target(), duration: TimeSpan.FromMilliseconds(350)), progress).WaitAsync(TestTimeouts.Await);

        var reports = progress.Reports;
        Assert.InRange(reports.Count, 1, 5);
        Assert.Equal(reports.OrderBy(r => r.Sent).Select(r => r.Sent), reports.Select(r => r.Sent));
        Assert.All(reports, r => Assert.True(r.Received <= r.Sent && r.Sent <= result.Sent && r.Lost == 0 && r.Corrupt == 0));
        Assert.True(reports[^1].Elapsed >= TimeSpan.FromMilliseconds(90), $"{reports[^1].Elapsed}");
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task RunAsync_SteadyState_AllocatesNothingPerDatagram()
    {
        await using var server = new AllocationFreeEchoPeer();
        var progress = new AllocationProgress();

        await UdpEchoBenchmark.RunAsync(Options(server.EndPoint, duration: TimeSpan.FromMilliseconds(600)), progress).WaitAsync(TestTimeouts.Await);

        // Reports come on the benchmark's thread, so the thread's own allocation count covers the loop and nothing else.
        var (bytes, echoes) = progress.SteadyState();
        Assert.True(echoes > 1000, $"only {echoes} echoes in steady state");
        Assert.True(bytes < echoes, $"{bytes} bytes allocated over {echoes} echoes");
    }

    private static UdpEchoBenchmarkOptions Options(
        EndPoint server,
        UdpEchoBenchmarkMode mode = UdpEchoBenchmarkMode.Flood,
        int size = 64,
        int? window = null,
        TimeSpan? timeout = null,
        TimeSpan? duration = null,
        bool portable = false) => new()
        {
            RemoteEndPoint = server,
            Mode = mode,
            Size = size,
            Window = window,
            Timeout = timeout ?? TimeSpan.FromSeconds(2),
            Duration = duration ?? Short,
            UsePortableEngine = portable,
        };

    private static void AssertAllReceived(UdpEchoBenchmarkResult result)
    {
        Assert.True(result.Sent > 0);
        Assert.Equal(result.Sent, result.Received);
        Assert.Equal(0, result.Lost);
        Assert.Equal(0, result.LossPercent);
        Assert.Equal(0, result.Corrupt);
        Assert.True(result.EchoesPerSecond > 0);
        var t = result.RoundTrip;
        Assert.True(t.Min > TimeSpan.Zero);
        var ordered = new[] { t.Min, t.P50, t.P90, t.P99, t.P999, t.Max };
        Assert.Equal(ordered.Order(), ordered);
        Assert.InRange(t.Mean, t.Min, t.Max);
    }

    /// <summary>Keeps every report, and completes <see cref="Reached"/> at the first that meets the condition.</summary>
    private sealed class SignallingProgress(Func<UdpEchoBenchmarkProgress, bool> condition) : IProgress<UdpEchoBenchmarkProgress>
    {
        private readonly List<UdpEchoBenchmarkProgress> _reports = [];
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Reached => _reached.Task;

        public IReadOnlyList<UdpEchoBenchmarkProgress> Reports
        {
            get
            {
                lock (_reports)
                {
                    return [.. _reports];
                }
            }
        }

        public void Report(UdpEchoBenchmarkProgress value)
        {
            lock (_reports)
            {
                _reports.Add(value);
            }

            if (condition(value))
            {
                _reached.TrySetResult();
            }
        }
    }

    /// <summary>Notes the reporting thread's allocated bytes at each report, into room taken up front.</summary>
    private sealed class AllocationProgress : IProgress<UdpEchoBenchmarkProgress>
    {
        private readonly long[] _bytes = new long[64];
        private readonly long[] _received = new long[64];
        private int _count;

        public void Report(UdpEchoBenchmarkProgress value)
        {
            if (_count < _bytes.Length)
            {
                _bytes[_count] = GC.GetAllocatedBytesForCurrentThread();
                _received[_count++] = value.Received;
            }
        }

        /// <summary>From the second report to the last: the first interval may still see the JIT settle.</summary>
        public (long Bytes, long Echoes) SteadyState()
        {
            Assert.True(_count >= 3, $"only {_count} reports");
            return (_bytes[_count - 1] - _bytes[1], _received[_count - 1] - _received[1]);
        }
    }

    /// <summary>Echoes every datagram twice, from a thread of its own.</summary>
    private sealed class DuplicatingEchoServer : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly Thread _thread;

        public DuplicatingEchoServer()
        {
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
            _thread = new Thread(Echo) { IsBackground = true, Name = "duplicating echo" };
            _thread.Start();
        }

        public IPEndPoint EndPoint { get; }

        public void Dispose()
        {
            _socket.Dispose();
            _thread.Join();
        }

        private void Echo()
        {
            var buffer = new byte[65536];
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            try
            {
                while (true)
                {
                    var length = _socket.ReceiveFrom(buffer, ref from);
                    _socket.SendTo(buffer.AsSpan(0, length), SocketFlags.None, from);
                    _socket.SendTo(buffer.AsSpan(0, length), SocketFlags.None, from);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }
    }
}
