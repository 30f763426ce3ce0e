using System.Net;
using System.Net.Sockets;
using System.Text;

namespace UdpEcho.Tests.Client;

public sealed class UdpEchoClientTests
{
    private static readonly TimeSpan LongTimeout = TimeSpan.FromSeconds(30);

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(AddressFamily.InterNetwork)]
    [InlineData(AddressFamily.InterNetworkV6)]
    public async Task SendAndReceiveAsync_RealServer_ReturnsExactEcho(AddressFamily family)
    {
        var loopback = family == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback;
        await using var server = new UdpEchoServer(new UdpEchoServerOptions { Address = loopback });
        await server.StartAsync();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.LocalEndPoint, Timeout = TestTimeouts.Echo });
        var payload = RandomBytes(1472, seed: 1);

        var reply = await client.SendAndReceiveAsync(payload).AsTask().WaitAsync(TestTimeouts.Await);

        Assert.Equal(payload, reply.Payload.ToArray());
        Assert.Equal(server.LocalEndPoint, reply.RemoteEndPoint);
        Assert.Equal(family, client.LocalEndPoint!.AddressFamily);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_String_SendsUtf8AndReturnsIt()
    {
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, Timeout = TestTimeouts.Echo });

        var call = client.SendAndReceiveAsync("héllo ✓").AsTask();
        var sent = await peer.EchoOneAsync();
        var reply = await call.WaitAsync(TestTimeouts.Await);

        Assert.Equal(Encoding.UTF8.GetBytes("héllo ✓"), sent);
        Assert.Equal("héllo ✓", Encoding.UTF8.GetString(reply.Payload.Span));
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_String_Null_Throws()
    {
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, 9) });
        await Assert.ThrowsAsync<ArgumentNullException>(() => client.SendAndReceiveAsync((string)null!).AsTask());
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(AddressFamily.InterNetwork)]
    [InlineData(AddressFamily.InterNetworkV6)]
    public async Task SendAndReceiveAsync_NoEcho_RetriesThenThrowsTimeout(AddressFamily family)
    {
        var time = new SignallingTimeProvider();
        using var peer = new ScriptedPeer(family);
        var timeout = TimeSpan.FromSeconds(1);
        await using var client = new UdpEchoClient(new UdpEchoClientOptions
        {
            RemoteEndPoint = peer.EndPoint, Timeout = timeout, Retries = 2, RetryJitter = 0, TimeProvider = time,
        });

        // Each attempt waits twice as long as the one before (RetryBackoff's default): 1, 2 and 4 s.
        var call = client.SendAndReceiveAsync("anyone?").AsTask();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            Assert.Equal("anyone?"u8.ToArray(), (await peer.ReceiveAsync()).Payload);
            await time.WaitForTimerAsync();
            var wait = timeout * Math.Pow(2, attempt - 1);
            time.Advance(wait - TimeSpan.FromTicks(1));
            Assert.False(call.IsCompleted);
            time.Advance(TimeSpan.FromTicks(1));
        }

        var error = await Assert.ThrowsAsync<TimeoutException>(() => call.WaitAsync(TestTimeouts.Await));
        Assert.Contains(peer.EndPoint.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains("3 attempt(s)", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, client.PendingCount);
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(AddressFamily.InterNetwork)]
    [InlineData(AddressFamily.InterNetworkV6)]
    public async Task SendAndReceiveAsync_FirstAttemptLost_SecondAttemptAnswered_ReportsTwoAttempts(AddressFamily family)
    {
        var time = new SignallingTimeProvider();
        using var peer = new ScriptedPeer(family);
        var timeout = TimeSpan.FromMilliseconds(250);
        await using var client = new UdpEchoClient(new UdpEchoClientOptions
        {
            RemoteEndPoint = peer.EndPoint, Timeout = timeout, Retries = 1, RetryJitter = 0, TimeProvider = time,
        });

        var call = client.SendAndReceiveAsync("again").AsTask();
        await peer.ReceiveAsync(); // dropped on the floor
        await time.WaitForTimerAsync();
        time.Advance(timeout);
        await peer.EchoOneAsync();
        var reply = await call.WaitAsync(TestTimeouts.Await);

        Assert.Equal(2, reply.Attempts);
        Assert.Equal("again"u8.ToArray(), reply.Payload.ToArray());
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_RoundTripTime_MeasuredWithInjectedClock()
    {
        var time = new SignallingTimeProvider();
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, TimeProvider = time });

        var call = client.SendAndReceiveAsync("tick").AsTask();
        var (payload, from) = await peer.ReceiveAsync();
        time.Advance(TimeSpan.FromMilliseconds(42));
        await peer.SendAsync(payload, from);
        var reply = await call.WaitAsync(TestTimeouts.Await);

        Assert.Equal(TimeSpan.FromMilliseconds(42), reply.RoundTripTime);
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(AddressFamily.InterNetwork)]
    [InlineData(AddressFamily.InterNetworkV6)]
    public async Task SendAndReceiveAsync_Cancelled_ThrowsPromptly(AddressFamily family)
    {
        using var peer = new ScriptedPeer(family);
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, Timeout = LongTimeout });
        using var cts = new CancellationTokenSource();

        var call = client.SendAndReceiveAsync("wait", cts.Token).AsTask();
        await peer.ReceiveAsync();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(TestTimeouts.Await));
        Assert.Equal(0, client.PendingCount);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_AlreadyCancelled_ThrowsWithoutSending()
    {
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, 9) });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.SendAndReceiveAsync("x", new CancellationToken(canceled: true)).AsTask());
        Assert.Null(client.LocalEndPoint);
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(AddressFamily.InterNetwork)]
    [InlineData(AddressFamily.InterNetworkV6)]
    public async Task SendAndReceiveAsync_NothingListens_FailsFastWithUnreachable(AddressFamily family)
    {
        IPEndPoint closed;
        using (var probe = new ScriptedPeer(family))
        {
            closed = probe.EndPoint;
        }

        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = closed, Timeout = LongTimeout, Retries = 5 });

        // The 30 s timeout with 5 retries would take minutes; the test's own 10 s limit proves the fast failure.
        var error = await Assert.ThrowsAsync<UdpEchoException>(() => client.SendAndReceiveAsync("hello?").AsTask());

        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
        Assert.Equal(closed, error.EndPoint);
        Assert.Contains(closed.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Equal(0, client.PendingCount);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_WrongBytesThenRightBytes_TakesOnlyTheExactEcho()
    {
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, Timeout = LongTimeout });
        var seen = new List<string>();
        client.MessageReceived += (_, e) => { lock (seen) { seen.Add($"{Encoding.UTF8.GetString(e.Payload.Span)} {e.Kind}"); } };

        var call = client.SendAndReceiveAsync("abc").AsTask();
        var (_, from) = await peer.ReceiveAsync();
        await peer.SendAsync("abd"u8.ToArray(), from);
        await peer.SendAsync("abcd"u8.ToArray(), from);
        await peer.SendAsync("abc"u8.ToArray(), from);
        var reply = await call.WaitAsync(TestTimeouts.Await);

        Assert.Equal("abc"u8.ToArray(), reply.Payload.ToArray());
        Assert.Equal(2, client.GetStatistics().Unmatched);
        await client.DisposeAsync(); // ends the receive loop, so every handler call has returned
        Assert.Equal(["abd Unmatched", "abcd Unmatched", "abc Echo"], seen);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_OnlyCorruptedEcho_TimesOut()
    {
        var time = new SignallingTimeProvider();
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, TimeProvider = time });

        var call = client.SendAndReceiveAsync("data").AsTask();
        var (_, from) = await peer.ReceiveAsync();
        var unmatched = new TaskCompletionSource();
        client.MessageReceived += (_, _) => unmatched.TrySetResult();
        await peer.SendAsync("DATA"u8.ToArray(), from);
        await unmatched.Task.WaitAsync(TestTimeouts.Await);
        await time.WaitForTimerAsync();
        time.Advance(TimeSpan.FromSeconds(1));

        await Assert.ThrowsAsync<TimeoutException>(() => call.WaitAsync(TestTimeouts.Await));
        Assert.Equal(1, client.GetStatistics().Unmatched);
    }

    [Fact(Timeout = TestTimeouts.Long)]
    public async Task SendAndReceiveAsync_ManyConcurrentCalls_EachGetsItsOwnEcho()
    {
        await using var server = new UdpEchoServer(new UdpEchoServerOptions());
        await server.StartAsync();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.LocalEndPoint, Timeout = TimeSpan.FromSeconds(2), Retries = 2 });

        // 64 tasks share one client, 8 calls each: always 64 calls in flight at once. Not 500 at once: a burst that
        // large overflows the kernel's default socket buffers (rmem_max caps them) and tests loss, not matching.
        var workers = Enumerable.Range(0, 64).Select(async worker =>
        {
            var results = new List<(byte[] Payload, UdpEchoReply Reply)>();
            for (var call = 0; call < 8; call++)
            {
                var payload = Encoding.UTF8.GetBytes($"message {worker}/{call} " + new string('x', (worker * 8 + call) % 97));
                results.Add((payload, await client.SendAndReceiveAsync(payload)));
            }

            return results;
        }).ToArray();
        var results = (await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30))).SelectMany(r => r).ToList();

        Assert.Equal(512, results.Count);
        Assert.All(results, r => Assert.Equal(r.Payload, r.Reply.Payload.ToArray()));
        Assert.Equal(0, client.PendingCount);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_IdenticalPayloads_CompletedInSendOrder()
    {
        var time = new SignallingTimeProvider();
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, TimeProvider = time });

        var first = client.SendAndReceiveAsync("same").AsTask();
        var (_, from) = await peer.ReceiveAsync();
        time.Advance(TimeSpan.FromMilliseconds(10));
        var second = client.SendAndReceiveAsync("same").AsTask();
        await peer.ReceiveAsync();
        time.Advance(TimeSpan.FromMilliseconds(5));
        await peer.SendAsync("same"u8.ToArray(), from);

        // One echo for two identical calls: the older call gets it, the younger keeps waiting.
        var firstReply = await first.WaitAsync(TestTimeouts.Await);
        Assert.Equal(TimeSpan.FromMilliseconds(15), firstReply.RoundTripTime);
        Assert.False(second.IsCompleted);
        await peer.SendAsync("same"u8.ToArray(), from);
        var secondReply = await second.WaitAsync(TestTimeouts.Await);
        Assert.Equal(TimeSpan.FromMilliseconds(5), secondReply.RoundTripTime);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task DisposeAsync_CallsInFlight_AllCompleteWithObjectDisposed()
    {
        using var peer = new ScriptedPeer();
        var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint, Timeout = LongTimeout });
        var calls = Enumerable.Range(0, 20).Select(i => client.SendAndReceiveAsync($"call {i}").AsTask()).ToArray();
        for (var i = 0; i < calls.Length; i++)
        {
            await peer.ReceiveAsync();
        }

        await client.DisposeAsync().AsTask().WaitAsync(TestTimeouts.Await);

        foreach (var call in calls)
        {
            await Assert.ThrowsAsync<ObjectDisposedException>(() => call.WaitAsync(TestTimeouts.Await));
        }

        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.SendAndReceiveAsync("late").AsTask());
        await client.DisposeAsync(); // twice is fine
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task MessageReceived_ThrowingHandler_CallStillCompletes()
    {
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = peer.EndPoint });
        var secondHandlerCalls = 0;
        client.MessageReceived += (_, _) => throw new InvalidOperationException("subscriber bug");
        client.MessageReceived += (_, e) => Interlocked.Increment(ref secondHandlerCalls);

        var call = client.SendAndReceiveAsync("one").AsTask();
        await peer.EchoOneAsync();
        await call.WaitAsync(TestTimeouts.Await);
        var again = client.SendAndReceiveAsync("two").AsTask();
        await peer.EchoOneAsync();
        await again.WaitAsync(TestTimeouts.Await);

        await client.DisposeAsync();
        Assert.Equal(2, secondHandlerCalls);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_IPv4MappedRemote_ReachesIPv4Server()
    {
        await using var server = new UdpEchoServer(new UdpEchoServerOptions());
        await server.StartAsync();
        var mapped = new IPEndPoint(IPAddress.Loopback.MapToIPv6(), server.LocalEndPoint!.Port);
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = mapped });

        var reply = await client.SendAndReceiveAsync("mapped").AsTask().WaitAsync(TestTimeouts.Await);

        Assert.Equal(server.LocalEndPoint, reply.RemoteEndPoint);
        Assert.Equal(AddressFamily.InterNetwork, client.LocalEndPoint!.AddressFamily);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_DnsEndPoint_ResolvesLocalhost()
    {
        await using var server = new UdpEchoServer(new UdpEchoServerOptions());
        await server.StartAsync();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = new DnsEndPoint("localhost", server.LocalEndPoint!.Port, AddressFamily.InterNetwork) });

        var reply = await client.SendAndReceiveAsync("by name").AsTask().WaitAsync(TestTimeouts.Await);

        Assert.Equal(server.LocalEndPoint, reply.RemoteEndPoint);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_UnresolvableHost_ThrowsNamingTheHost()
    {
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = new DnsEndPoint("no-such-host.invalid", 7) });

        var error = await Assert.ThrowsAsync<UdpEchoException>(() => client.SendAndReceiveAsync("x").AsTask());

        Assert.Contains("no-such-host.invalid", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_LocalEndPointOption_BindsThere()
    {
        using var peer = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions
        {
            RemoteEndPoint = peer.EndPoint, LocalEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
        });

        var call = client.SendAndReceiveAsync("from here").AsTask();
        var (payload, from) = await peer.ReceiveAsync();
        await peer.SendAsync(payload, from);
        await call.WaitAsync(TestTimeouts.Await);

        Assert.Equal(client.LocalEndPoint, from);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_LocalEndPointInUse_ThrowsNamingIt()
    {
        using var taken = new ScriptedPeer();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions
        {
            RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, 9), LocalEndPoint = taken.EndPoint,
        });

        var error = await Assert.ThrowsAsync<UdpEchoException>(() => client.SendAndReceiveAsync("x").AsTask());

        Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);
        Assert.Contains(taken.EndPoint.ToString(), error.Message, StringComparison.Ordinal);
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData(65508)]
    [InlineData(65528)]
    public async Task SendAndReceiveAsync_PayloadTooLargeForIPv4_ThrowsArgumentException(int size)
    {
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, 9) });

        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.SendAndReceiveAsync(new byte[size]).AsTask());

        Assert.Equal("payload", error.ParamName);
        Assert.Contains(size.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task SendAndReceiveAsync_LargestIPv4Datagram_Echoed()
    {
        await using var server = new UdpEchoServer(new UdpEchoServerOptions());
        await server.StartAsync();
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.LocalEndPoint, Timeout = TestTimeouts.Echo });
        var payload = RandomBytes(UdpEchoServerOptions.MaxIPv4DatagramSize, seed: 7);

        var reply = await client.SendAndReceiveAsync(payload).AsTask().WaitAsync(TestTimeouts.Await);

        Assert.True(payload.AsSpan().SequenceEqual(reply.Payload.Span));
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
