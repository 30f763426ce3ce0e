using System.Net;

namespace UdpEcho.Tests.Options;

public sealed class UdpEchoServerOptionsTests
{
    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Defaults_AreSafeAndValid()
    {
        var options = new UdpEchoServerOptions();

        options.Validate();

        Assert.Equal(IPAddress.Loopback, options.Address);
        Assert.Equal(0, options.Port);
        Assert.False(options.DualMode);
        Assert.Equal(65527, options.MaxDatagramSize);
        Assert.Null(options.ReceiveBufferSize);
        Assert.Null(options.SendBufferSize);
        Assert.Equal(UdpEchoServerEngine.Automatic, options.Engine);
        Assert.Null(options.ReceiveLoops);
        await Task.CompletedTask;
    }

    public static TheoryData<Action<UdpEchoServerOptions>, string, string> InvalidOptions => new()
    {
        { o => o.Address = null!, "Address", "Address must be set" },
        { o => o.Port = -1, "Port", "it was -1" },
        { o => o.Port = 65536, "Port", "it was 65536" },
        { o => o.DualMode = true, "DualMode", "requires an IPv6 Address; it was 127.0.0.1" },
        { o => o.MaxDatagramSize = -1, "MaxDatagramSize", "it was -1" },
        { o => o.MaxDatagramSize = 65528, "MaxDatagramSize", "it was 65528" },
        { o => o.ReceiveBufferSize = 0, "ReceiveBufferSize", "it was 0" },
        { o => o.SendBufferSize = -5, "SendBufferSize", "it was -5" },
        { o => o.Engine = (UdpEchoServerEngine)7, "Engine", "must be Automatic, Portable or Batched; it was 7" },
        { o => o.ReceiveLoops = 0, "ReceiveLoops", "must be from 1 to 64 when set; it was 0" },
        { o => o.ReceiveLoops = 65, "ReceiveLoops", "it was 65" },
    };

    [Theory(Timeout = TestTimeouts.Short)]
    [MemberData(nameof(InvalidOptions))]
    public async Task Constructor_InvalidOption_ThrowsNamingOptionAndValue(Action<UdpEchoServerOptions> breakIt, string option, string detail)
    {
        var options = new UdpEchoServerOptions();
        breakIt(options);

        var error = Assert.ThrowsAny<ArgumentException>(() => new UdpEchoServer(options));

        Assert.Equal(option, error.ParamName);
        Assert.Contains($"UdpEchoServerOptions.{option}", error.Message, StringComparison.Ordinal);
        Assert.Contains(detail, error.Message, StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Constructor_NullOptions_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => new UdpEchoServer(null!));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Constructor_CopiesOptions_LaterChangesDoNotApply()
    {
        var options = new UdpEchoServerOptions { Address = IPAddress.Loopback, Port = 0 };
        await using var server = new UdpEchoServer(options);
        options.Address = IPAddress.IPv6Loopback;
        options.Port = -1;

        await server.StartAsync();

        Assert.Equal(IPAddress.Loopback, server.LocalEndPoint!.Address);
    }
}
