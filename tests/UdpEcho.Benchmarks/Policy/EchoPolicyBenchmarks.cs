using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using UdpEcho.Policy;

namespace UdpEcho.Benchmarks.Policy;

/// <summary>
/// <see cref="EchoPolicy.Check"/>, which the server runs on every datagram, with the default options (the self-loop,
/// port and address checks on); and that plus <see cref="RateLimiter.TryTake"/> with a per-source and a global rate
/// limit, high enough never to drop, so that what is measured is the bookkeeping of a datagram that is echoed.
/// </summary>
[MemoryDiagnoser]
public class EchoPolicyBenchmarks
{
    private readonly TimeProvider _time = TimeProvider.System;
    private EchoPolicy _defaults = null!;
    private RateLimiter _limiter = null!;
    private byte[] _source = null!;

    [Params(AddressFamily.InterNetwork, AddressFamily.InterNetworkV6)]
    public AddressFamily Family { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var loopback = Family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        _defaults = Create(new UdpEchoServerOptions(), loopback);
        _limiter = new RateLimiter(new UdpEchoServerOptions { RateLimitPerSource = 1e12, GlobalRateLimit = 1e12 }, _time.TimestampFrequency);

        // The sender as the engines hand it over: raw sockaddr bytes.
        var sender = new IPEndPoint(loopback, 40000).Serialize();
        _source = sender.Buffer.Span[..sender.Size].ToArray();
    }

    [Benchmark(Baseline = true)]
    public int Defaults() => (int)_defaults.Check(_source, out _, out _);

    /// <summary>Reads the clock as the server does when a rate limit is on.</summary>
    [Benchmark]
    public int DefaultsAndRateLimits()
    {
        var reason = _defaults.Check(_source, out _, out var address);
        return _limiter.TryTake(address, _time.GetTimestamp()) ? (int)reason : -1;
    }

    private static EchoPolicy Create(UdpEchoServerOptions options, IPAddress bound) => new(options, new IPEndPoint(bound, 7007));
}
