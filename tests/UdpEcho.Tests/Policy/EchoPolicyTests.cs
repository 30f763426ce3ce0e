using System.Net;
using UdpEcho.Policy;

namespace UdpEcho.Tests.Policy;

/// <summary>The per-datagram decision, fed raw sockaddr bytes as a socket engine does.</summary>
public sealed class EchoPolicyTests
{
    private static readonly (IPAddress, int)[] NoInterfaces = [];

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
        var policy = Create(new UdpEchoServerOptions(), IPAddress.IPv6Any, interfaces: [(IPAddress.Parse("192.168.1.7"), 24)]);

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

        Assert.Equal(DropReason.None, Check(policy, "224.0.0.1", 7));
        Assert.Equal(DropReason.None, Check(policy, "0.0.0.1", 0));
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

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData("127.255.255.255")]
    [InlineData("::ffff:127.255.255.255")]
    [InlineData("10.1.255.255")]
    [InlineData("::ffff:10.1.255.255")]
    public async Task Check_DirectedBroadcastSource_DroppedAsSourceAddressEvenOnLoopback(string address)
    {
        // 127.255.255.255 is the loopback network's own broadcast: the 127/8 rule must not let it through.
        var policy = Create(new UdpEchoServerOptions(), IPAddress.IPv6Any, interfaces: [(IPAddress.Parse("10.1.2.3"), 16)]);

        Assert.Equal(DropReason.SourceAddress, Check(policy, address, 5000));
        await Task.CompletedTask;
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData("127.0.0.1", "127.0.0.1", "LoopGuard")]
    [InlineData("127.0.0.1", "127.0.0.2", "None")]
    [InlineData("0.0.0.0", "127.0.0.1", "LoopGuard")]
    [InlineData("0.0.0.0", "127.8.9.10", "LoopGuard")]
    [InlineData("0.0.0.0", "10.1.2.3", "LoopGuard")]
    [InlineData("0.0.0.0", "10.1.2.4", "None")]
    [InlineData("::", "::1", "LoopGuard")]
    [InlineData("::", "::ffff:127.0.0.1", "LoopGuard")]
    [InlineData("::", "::ffff:10.1.2.3", "LoopGuard")]
    [InlineData("::1", "::1", "LoopGuard")]
    [InlineData("10.1.2.3", "10.1.2.3", "LoopGuard")]
    public async Task Check_SourceIsTheServersOwnEndpoint_DroppedByTheLoopGuard(string bound, string source, string expected)
    {
        // Port 7007 is the server's own; a wildcard bind owns that port on every local address.
        var policy = Create(new UdpEchoServerOptions { LoopGuard = UdpEchoLoopGuard.Off }, IPAddress.Parse(bound), interfaces: [(IPAddress.Parse("10.1.2.3"), 16)]);

        Assert.Equal(Enum.Parse<DropReason>(expected), Check(policy, source, 7007));
        Assert.Equal(DropReason.None, Check(policy, source, 7008));
        await Task.CompletedTask;
    }

    /// <summary>A policy for a server bound to <paramref name="bound"/> port 7007, on a machine with only the given interfaces.</summary>
    private static EchoPolicy Create(UdpEchoServerOptions options, IPAddress bound, (IPAddress, int)[]? interfaces = null)
    {
        options.Validate();
        return new EchoPolicy(options, new IPEndPoint(bound, 7007), interfaces ?? NoInterfaces);
    }

    private static DropReason Check(EchoPolicy policy, string address, int port)
    {
        var sockaddr = new IPEndPoint(IPAddress.Parse(address), port).Serialize();
        return policy.Check(sockaddr.Buffer.Span[..sockaddr.Size], out _, out _);
    }
}
