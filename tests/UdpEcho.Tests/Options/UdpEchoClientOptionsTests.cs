using System.Net;
using System.Net.Sockets;

namespace UdpEcho.Tests.Options;

public sealed class UdpEchoClientOptionsTests
{
    private static readonly IPEndPoint Somewhere = new(IPAddress.Loopback, 7007);

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Defaults_OneSecondTimeoutNoRetriesSystemClockLargeBuffers()
    {
        var options = new UdpEchoClientOptions();

        Assert.Null(options.RemoteEndPoint);
        Assert.Equal(TimeSpan.FromSeconds(1), options.Timeout);
        Assert.Equal(0, options.Retries);
        Assert.Null(options.LocalEndPoint);
        Assert.Same(TimeProvider.System, options.TimeProvider);
        Assert.Equal(UdpEchoMatching.ExactBytes, options.Matching);
        Assert.Equal(2, options.RetryBackoff);
        Assert.Equal(0.2, options.RetryJitter);
        Assert.Equal(64, options.MaxCallsInFlight);
        Assert.Equal(8 << 20, options.ReceiveBufferSize);
        Assert.Equal(8 << 20, options.SendBufferSize);
        await Task.CompletedTask;
    }

    public static TheoryData<Action<UdpEchoClientOptions>, string, string> InvalidOptions => new()
    {
        { o => o.RemoteEndPoint = null, "RemoteEndPoint", "must be set" },
        { o => o.RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, 0), "RemoteEndPoint", "port from 1 to 65535; it was 127.0.0.1:0" },
        { o => o.RemoteEndPoint = new DnsEndPoint("example.test", 0), "RemoteEndPoint", "it was example.test:0" },
        { o => o.RemoteEndPoint = new UnixDomainSocketEndPoint("/tmp/x"), "RemoteEndPoint", "IPEndPoint or a DnsEndPoint" },
        { o => o.Timeout = TimeSpan.Zero, "Timeout", "it was 00:00:00" },
        { o => o.Timeout = TimeSpan.FromSeconds(-2), "Timeout", "it was -00:00:02" },
        { o => o.Timeout = TimeSpan.FromDays(30), "Timeout", "it was 30.00:00:00" },
        { o => o.Retries = -1, "Retries", "it was -1" },
        { o => o.Retries = 1001, "Retries", "it was 1001" },
        { o => o.LocalEndPoint = new IPEndPoint(IPAddress.IPv6Loopback, 0), "LocalEndPoint", "not of the same address family" },
        { o => o.TimeProvider = null!, "TimeProvider", "must be set" },
        { o => o.Matching = (UdpEchoMatching)7, "Matching", "it was 7" },
        { o => o.RetryBackoff = 0.5, "RetryBackoff", "from 1 to 10; it was 0.5" },
        { o => o.RetryBackoff = double.NaN, "RetryBackoff", "it was NaN" },
        { o => o.RetryJitter = -0.1, "RetryJitter", "from 0 to 1; it was -0.1" },
        { o => o.RetryJitter = 1.5, "RetryJitter", "it was 1.5" },
        { o => o.MaxCallsInFlight = 0, "MaxCallsInFlight", "from 1 to 1048576; it was 0" },
        { o => o.ReceiveBufferSize = 0, "ReceiveBufferSize", "positive when set; it was 0" },
        { o => o.SendBufferSize = -1, "SendBufferSize", "positive when set; it was -1" },
    };

    [Theory(Timeout = TestTimeouts.Short)]
    [MemberData(nameof(InvalidOptions))]
    public async Task Constructor_InvalidOption_ThrowsNamingOptionAndValue(Action<UdpEchoClientOptions> breakIt, string option, string detail)
    {
        var options = new UdpEchoClientOptions { RemoteEndPoint = Somewhere };
        breakIt(options);

        var error = Assert.ThrowsAny<ArgumentException>(() => new UdpEchoClient(options));

        Assert.Equal(option, error.ParamName);
        Assert.Contains($"UdpEchoClientOptions.{option}", error.Message, StringComparison.Ordinal);
        Assert.Contains(detail, error.Message, StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Validate_InfiniteTimeout_IsAllowed()
    {
        var options = new UdpEchoClientOptions { RemoteEndPoint = Somewhere, Timeout = Timeout.InfiniteTimeSpan };

        options.Validate();

        await using var client = new UdpEchoClient(options);
        Assert.Equal(Somewhere, client.RemoteEndPoint);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ReceiveBufferSize_IsAskedOfTheSocket_WhichGrantsWhatTheSystemAllows()
    {
        await using var server = new UdpEchoServer(new UdpEchoServerOptions());
        await server.StartAsync();
        await using var small = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.LocalEndPoint, Timeout = TestTimeouts.Echo, ReceiveBufferSize = 65536, SendBufferSize = 65536 });
        await using var large = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server.LocalEndPoint, Timeout = TestTimeouts.Echo });

        await small.SendAndReceiveAsync("small").AsTask().WaitAsync(TestTimeouts.Await);
        await large.SendAndReceiveAsync("large").AsTask().WaitAsync(TestTimeouts.Await);

        // Linux doubles what it grants and caps it at net.core.rmem_max, so only the order is certain everywhere.
        Assert.True(large.ReceiveBufferSize > small.ReceiveBufferSize, $"asked 8 MiB, got {large.ReceiveBufferSize}; asked 64 KiB, got {small.ReceiveBufferSize}");
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Constructor_NullOptions_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => new UdpEchoClient(null!));
        await Task.CompletedTask;
    }
}
