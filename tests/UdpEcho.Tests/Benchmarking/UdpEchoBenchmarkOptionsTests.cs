using System.Net;

namespace UdpEcho.Tests.Benchmarking;

public sealed class UdpEchoBenchmarkOptionsTests
{
    private static readonly IPEndPoint Server = new(IPAddress.Loopback, 7);

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Defaults_TenSecondFloodOf64BytesWindow64OneSecondTimeout()
    {
        var options = new UdpEchoBenchmarkOptions { RemoteEndPoint = Server };

        options.Validate();
        Assert.Equal(UdpEchoBenchmarkMode.Flood, options.Mode);
        Assert.Equal(64, options.Size);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Duration);
        Assert.Null(options.Window);
        Assert.Equal(64, options.EffectiveWindow);
        Assert.Equal(TimeSpan.FromSeconds(1), options.Timeout);
        Assert.Equal(TimeSpan.Zero, options.WarmUp);
        Assert.Equal(1, new UdpEchoBenchmarkOptions { Mode = UdpEchoBenchmarkMode.PingPong }.EffectiveWindow);
        await Task.CompletedTask;
    }

    public static TheoryData<Action<UdpEchoBenchmarkOptions>, string, string> InvalidOptions => new()
    {
        { o => o.RemoteEndPoint = null, "RemoteEndPoint", "UdpEchoBenchmarkOptions.RemoteEndPoint must be set to the echo server's endpoint." },
        { o => o.RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, 0), "RemoteEndPoint", "must name a port from 1 to 65535; it was 127.0.0.1:0." },
        { o => o.RemoteEndPoint = new DnsEndPoint("localhost", 0), "RemoteEndPoint", "must name a port from 1 to 65535; it was localhost:0." },
        { o => o.Mode = (UdpEchoBenchmarkMode)7, "Mode", "UdpEchoBenchmarkOptions.Mode must be Flood or PingPong; it was 7." },
        { o => o.Size = -1, "Size", "UdpEchoBenchmarkOptions.Size must be from 0 to 65527 bytes (65507 over IPv4); it was -1." },
        { o => o.Size = 65528, "Size", "it was 65528." },
        { o => o.Duration = TimeSpan.Zero, "Duration", "UdpEchoBenchmarkOptions.Duration must be positive and at most 1.00:00:00; it was 00:00:00." },
        { o => o.Duration = TimeSpan.FromDays(2), "Duration", "it was 2.00:00:00." },
        { o => o.Window = 0, "Window", "UdpEchoBenchmarkOptions.Window must be from 1 to 65536, or null; it was 0." },
        { o => o.Window = 65537, "Window", "it was 65537." },
        { o => { o.Mode = UdpEchoBenchmarkMode.PingPong; o.Window = 8; }, "Window", "must be 1 or null in PingPong mode, which keeps one datagram in flight; it was 8." },
        { o => o.Timeout = TimeSpan.Zero, "Timeout", "UdpEchoBenchmarkOptions.Timeout must be positive and at most 01:00:00; it was 00:00:00." },
        { o => o.WarmUp = TimeSpan.FromMilliseconds(-1), "WarmUp", "UdpEchoBenchmarkOptions.WarmUp must be from zero to 1.00:00:00; it was -00:00:00.0010000." },
    };

    [Theory(Timeout = TestTimeouts.Short)]
    [MemberData(nameof(InvalidOptions))]
    public async Task Validate_InvalidOption_ThrowsNamingOptionAndValue(Action<UdpEchoBenchmarkOptions> breakIt, string option, string detail)
    {
        var options = new UdpEchoBenchmarkOptions { RemoteEndPoint = Server };
        breakIt(options);

        var error = Assert.ThrowsAny<ArgumentException>(options.Validate);

        Assert.Equal(option, error.ParamName);
        Assert.Contains(detail, error.Message, StringComparison.Ordinal);
        var thrown = await Assert.ThrowsAnyAsync<ArgumentException>(() => UdpEchoBenchmark.RunAsync(options));
        Assert.Equal(error.Message, thrown.Message);
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Validate_PingPongWithWindowOne_IsFine()
    {
        new UdpEchoBenchmarkOptions { RemoteEndPoint = Server, Mode = UdpEchoBenchmarkMode.PingPong, Window = 1 }.Validate();
        new UdpEchoBenchmarkOptions { RemoteEndPoint = Server, Size = 0 }.Validate();
        new UdpEchoBenchmarkOptions { RemoteEndPoint = Server, Size = 65527, Window = 65536 }.Validate();
        await Task.CompletedTask;
    }
}
