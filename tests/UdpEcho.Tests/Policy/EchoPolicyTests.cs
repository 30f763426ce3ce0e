using System.Net;
using Microsoft.Extensions.Time.Testing;
using UdpEcho.Policy;

namespace UdpEcho.Tests.Policy;

/// <summary>The per-datagram decision, fed raw sockaddr bytes as a socket engine does.</summary>
public sealed class EchoPolicyTests
{
    private static readonly IPAddress[] NoBroadcasts = [];

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData("127.0.0.1", 0, "SourcePort")]
    [InlineData("127.0.0.1", 7, "SourcePort")]
    [InlineData("127.0.0.1", 19, "SourcePort")]
    [InlineData("127.0.0.1", 1023, "SourcePort")]
    [InlineData("127.0.0.1", 2049, "SourcePort")]
    [InlineData("127.0.0.1", 1024, "None")]
    [InlineData("127.0.0.1", 65535, "None")]
    [InlineData("::1", 19, "SourcePort")]
    [InlineData("::ffff:127.0.0.1", 7, "SourcePort")]
    [InlineData("0.1.2.3", 5000, "SourceAddress")]
    [InlineData("224.0.0.1", 5000, "SourceAddress")]
    [InlineData("239.255.255.250", 5000, "SourceAddress")]
    [InlineData("240.0.0.1", 5000, "SourceAddress")]
    [InlineData("255.255.255.255", 5000, "SourceAddress")]
    [InlineData("192.168.1.255", 5000, "SourceAddress")]
    [InlineData("::ffff:255.255.255.255", 5000, "SourceAddress")]
    [InlineData("::ffff:224.0.0.5", 5000, "SourceAddress")]
    [InlineData("::ffff:0.0.0.1", 5000, "SourceAddress")]
    [InlineData("ff02::1", 5000, "SourceAddress")]
    [InlineData("::", 5000, "SourceAddress")]
    [InlineData("::1.2.3.4", 5000, "SourceAddress")]
    [InlineData("192.168.1.7", 5000, "None")]
    [InlineData("2001:db8::1", 5000, "None")]
    [InlineData("::ffff:10.1.2.3", 5000, "None")]
    public async Task Check_Defaults_DropsReservedPortsAndImpossibleSources(string address, int port, string expected)
    {
        var policy = Create(new UdpEchoServerOptions(), IPAddress.IPv6Any, broadcasts: [IPAddress.Parse("192.168.1.255")]);

        Assert.Equal(Enum.Parse<DropReason>(expected), Check(policy, address, port));
        await Task.CompletedTask;
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.5.6.7", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("::", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("192.0.2.10", false)]
    [InlineData("2001:db8::10", false)]
    public async Task Check_LoopbackSource_EchoedOnlyWhenBoundToLoopbackOrWildcard(string bound, bool echoed)
    {
        var policy = Create(new UdpEchoServerOptions(), IPAddress.Parse(bound));

        foreach (var source in new[] { "127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1" })
        {
            Assert.Equal(echoed ? DropReason.None : DropReason.SourceAddress, Check(policy, source, 40000));
        }

        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Check_AllowedSourcePorts_OpensOnlyThosePorts()
    {
        var options = new UdpEchoServerOptions();
        options.AllowedSourcePorts.Add(19);
        options.AllowedSourcePorts.Add(2049);
        var policy = Create(options, IPAddress.Loopback);

        Assert.Equal(DropReason.None, Check(policy, "127.0.0.1", 19));
        Assert.Equal(DropReason.None, Check(policy, "127.0.0.1", 2049));
        Assert.Equal(DropReason.SourcePort, Check(policy, "127.0.0.1", 7));
        Assert.Equal(DropReason.SourcePort, Check(policy, "127.0.0.1", 0));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Check_FiltersOff_EchoesAnything()
    {
        var policy = Create(new UdpEchoServerOptions { FilterSourcePorts = false, FilterSourceAddresses = false }, IPAddress.Loopback);

        Assert.False(policy.IsActive);
        Assert.Equal(DropReason.None, Check(policy, "224.0.0.1", 7));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Check_AllowList_IPv4NetworksMatchMappedSendersToo()
    {
        var options = new UdpEchoServerOptions();
        options.AllowedSources.Add(IPNetwork.Parse("127.0.0.2/32"));
        options.AllowedSources.Add(IPNetwork.Parse("10.0.0.0/8"));
        options.AllowedSources.Add(IPNetwork.Parse("2001:db8::/32"));
        var policy = Create(options, IPAddress.IPv6Any);

        Assert.Equal(DropReason.None, Check(policy, "127.0.0.2", 5000));
        Assert.Equal(DropReason.None, Check(policy, "::ffff:127.0.0.2", 5000));
        Assert.Equal(DropReason.None, Check(policy, "10.200.1.1", 5000));
        Assert.Equal(DropReason.None, Check(policy, "2001:db8:1::5", 5000));
        Assert.Equal(DropReason.NotAllowed, Check(policy, "127.0.0.1", 5000));
        Assert.Equal(DropReason.NotAllowed, Check(policy, "::ffff:127.0.0.1", 5000));
        Assert.Equal(DropReason.NotAllowed, Check(policy, "11.0.0.1", 5000));
        Assert.Equal(DropReason.NotAllowed, Check(policy, "2001:db9::1", 5000));

        // The cheaper checks come first: a reserved port is a source_port drop even from an allowed network.
        Assert.Equal(DropReason.SourcePort, Check(policy, "10.0.0.1", 19));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Check_RateLimitPerSource_BurstThenRateAndSourcesAreSeparate()
    {
        var time = new FakeTimeProvider();
        var policy = Create(new UdpEchoServerOptions { RateLimitPerSource = 10, RateLimitBurst = 3, TimeProvider = time }, IPAddress.Loopback);

        var first = Enumerable.Range(0, 5).Select(_ => Check(policy, "10.0.0.1", 5000, time)).ToArray();
        var other = Check(policy, "10.0.0.2", 5000, time);
        var mapped = Check(policy, "::ffff:10.0.0.1", 5000, time); // The same sender seen through a dual-mode socket.
        time.Advance(TimeSpan.FromMilliseconds(100));
        var refilled = Check(policy, "10.0.0.1", 5000, time);
        var again = Check(policy, "10.0.0.1", 5000, time);

        Assert.Equal([DropReason.None, DropReason.None, DropReason.None, DropReason.RateLimited, DropReason.RateLimited], first);
        Assert.Equal(DropReason.None, other);
        Assert.Equal(DropReason.RateLimited, mapped);
        Assert.Equal(DropReason.None, refilled);
        Assert.Equal(DropReason.RateLimited, again);
        Assert.Equal(2, policy.TrackedSources);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Check_RateLimitBurstDefault_IsOneSecondsWorth()
    {
        var time = new FakeTimeProvider();
        var policy = Create(new UdpEchoServerOptions { RateLimitPerSource = 2.5, TimeProvider = time }, IPAddress.Loopback);

        var echoed = Enumerable.Range(0, 10).Count(_ => Check(policy, "10.0.0.1", 5000, time) == DropReason.None);

        Assert.Equal(3, echoed);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Check_GlobalRateLimit_CapsAllSourcesTogether()
    {
        var time = new FakeTimeProvider();
        var policy = Create(new UdpEchoServerOptions { GlobalRateLimit = 4, TimeProvider = time }, IPAddress.Loopback);

        var echoed = Enumerable.Range(0, 20).Count(i => Check(policy, $"10.0.0.{i + 1}", 5000, time) == DropReason.None);
        time.Advance(TimeSpan.FromSeconds(0.5));
        var later = Enumerable.Range(0, 20).Count(i => Check(policy, $"10.0.1.{i + 1}", 5000, time) == DropReason.None);

        Assert.Equal(4, echoed);
        Assert.Equal(2, later);
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Check_MillionSpoofedSources_TableStaysBounded()
    {
        var time = new FakeTimeProvider();
        var policy = Create(new UdpEchoServerOptions { RateLimitPerSource = 1, RateLimitMaxSources = 100, TimeProvider = time }, IPAddress.Any);
        var sockaddr = new IPEndPoint(IPAddress.Parse("10.0.0.0"), 5000).Serialize();

        for (var i = 0; i < 10_000; i++)
        {
            // Writes the address bytes in place, as the kernel does into the server's one SocketAddress.
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(sockaddr.Buffer.Span[4..], 0x0A000000 + i);
            Assert.Equal(DropReason.None, policy.Check(sockaddr.Buffer.Span[..sockaddr.Size], time.GetTimestamp()));
        }

        Assert.Equal(100, policy.TrackedSources);
        await Task.CompletedTask;
    }

    private static EchoPolicy Create(UdpEchoServerOptions options, IPAddress bound, IPAddress[]? broadcasts = null)
    {
        options.Validate();
        return new EchoPolicy(options, bound, options.TimeProvider.TimestampFrequency, options.TimeProvider.GetTimestamp(), broadcasts ?? NoBroadcasts);
    }

    private static DropReason Check(EchoPolicy policy, string address, int port, TimeProvider? time = null)
    {
        var sockaddr = new IPEndPoint(IPAddress.Parse(address), port).Serialize();
        return policy.Check(sockaddr.Buffer.Span[..sockaddr.Size], (time ?? TimeProvider.System).GetTimestamp());
    }
}
