namespace UdpEcho.Tests.Probing;

public sealed class UdpEchoProbeOptionsTests
{
    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Defaults_TenPingPongsOf64BytesWithOneSecondTimeout()
    {
        var options = new UdpEchoProbeOptions();

        options.Validate();
        Assert.Null(options.Count);
        Assert.Null(options.Duration);
        Assert.Null(options.Interval);
        Assert.Null(options.Rate);
        Assert.Null(options.Window);
        Assert.Equal(64, options.Size);
        Assert.Equal(UdpEchoPayloadPattern.Incrementing, options.Pattern);
        Assert.Equal(0, options.WarmUp);
        Assert.Equal(TimeSpan.FromSeconds(1), options.Timeout);
        Assert.Equal(UdpEchoStampMode.None, options.StampMode);
        Assert.Null(options.StampSessionId);
        Assert.Equal(10, options.TotalProbes);
        Assert.Equal(1, options.EffectiveWindow);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Pacing_OpensTheWindowUnlessSet()
    {
        Assert.Equal(UdpEchoProbeOptions.MaxWindow, new UdpEchoProbeOptions { Rate = 100 }.EffectiveWindow);
        Assert.Equal(UdpEchoProbeOptions.MaxWindow, new UdpEchoProbeOptions { Interval = TimeSpan.FromMilliseconds(10) }.EffectiveWindow);
        Assert.Equal(1, new UdpEchoProbeOptions { Interval = TimeSpan.Zero }.EffectiveWindow);
        Assert.Equal(1, new UdpEchoProbeOptions { Interval = TimeSpan.FromSeconds(1), Window = 1 }.EffectiveWindow);
        Assert.Equal(0.01, new UdpEchoProbeOptions { Rate = 100 }.IntervalSeconds, precision: 12);
        Assert.Equal(long.MaxValue, new UdpEchoProbeOptions { Duration = TimeSpan.FromSeconds(1) }.TotalProbes);
        Assert.Equal(7, new UdpEchoProbeOptions { Count = 5, WarmUp = 2, Duration = TimeSpan.FromSeconds(1) }.TotalProbes);
        await Task.CompletedTask;
    }

    public static TheoryData<Action<UdpEchoProbeOptions>, string, string> InvalidOptions => new()
    {
        { o => o.Count = 0, "Count", "it was 0" },
        { o => o.Duration = TimeSpan.Zero, "Duration", "it was 00:00:00" },
        { o => o.Interval = TimeSpan.FromMilliseconds(-1), "Interval", "it was -00:00:00.0010000" },
        { o => o.Rate = 0, "Rate", "it was 0" },
        { o => o.Rate = double.NaN, "Rate", "it was NaN" },
        { o => o.Rate = 2e7, "Rate", "it was 20000000" },
        { o => { o.Rate = 10; o.Interval = TimeSpan.FromSeconds(1); }, "Rate", "Rate and Interval say the same thing" },
        { o => o.Window = 0, "Window", "it was 0" },
        { o => o.Size = 23, "Size", "from 24 (the probe's tag) to 65527 bytes; it was 23" },
        { o => o.Size = 65528, "Size", "it was 65528" },
        { o => o.Pattern = (UdpEchoPayloadPattern)9, "Pattern", "it was 9" },
        { o => o.WarmUp = -1, "WarmUp", "it was -1" },
        { o => o.Timeout = TimeSpan.Zero, "Timeout", "it was 00:00:00" },
        { o => o.Timeout = TimeSpan.FromHours(2), "Timeout", "it was 02:00:00" },
        { o => o.StampMode = (UdpEchoStampMode)7, "StampMode", "must be None, Stateless or Stateful; it was 7" },
        { o => { o.StampMode = UdpEchoStampMode.Stateful; o.Size = 43; }, "Size", "at least 44 bytes (a STAMP test packet, RFC 8762 section 4.2.1) when StampMode is Stateful; it was 43" },
        { o => { o.StampMode = UdpEchoStampMode.Stateless; o.Size = 24; }, "Size", "when StampMode is Stateless; it was 24" },
        { o => o.StampSessionId = 7, "StampSessionId", "but StampMode is None: set StampMode too, or leave StampSessionId null; it was 7" },
    };

    [Theory(Timeout = TestTimeouts.Short)]
    [MemberData(nameof(InvalidOptions))]
    public async Task Validate_InvalidOption_ThrowsNamingOptionAndValue(Action<UdpEchoProbeOptions> breakIt, string option, string detail)
    {
        var options = new UdpEchoProbeOptions();
        breakIt(options);

        var error = Assert.ThrowsAny<ArgumentException>(options.Validate);

        Assert.Equal(option, error.ParamName);
        Assert.Contains($"UdpEchoProbeOptions.{option}", error.Message, StringComparison.Ordinal);
        Assert.Contains(detail, error.Message, StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Validate_StampProbeOfTheBasePacketWithAnySsid_IsValid()
    {
        new UdpEchoProbeOptions { StampMode = UdpEchoStampMode.Stateful, Size = UdpEchoProbeOptions.MinStampSize, StampSessionId = 0 }.Validate();
        new UdpEchoProbeOptions { StampMode = UdpEchoStampMode.Stateless, StampSessionId = ushort.MaxValue }.Validate();
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ProbeAsync_InvalidOptions_ThrowsBeforeSendingAnything()
    {
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9) });

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.ProbeAsync(new UdpEchoProbeOptions { Size = 1 }));
        await Assert.ThrowsAsync<ArgumentNullException>(() => client.ProbeAsync(null!));
        Assert.Null(client.LocalEndPoint);
    }
}
