using System.Diagnostics.Metrics;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace UdpEcho.Diagnostics;

/// <summary>
/// The instruments of the one <c>UdpEcho</c> meter. Names follow OpenTelemetry conventions: lowercase, dotted,
/// with UCUM units. Callers check <see cref="Instrument.Enabled"/> first, and tags come from arrays built once
/// per socket, so an unobserved meter costs one field read per datagram and nothing is allocated either way.
/// </summary>
internal sealed class UdpEchoMetrics
{
    public const string MeterName = "UdpEcho";

    // Without an IMeterFactory (no DI), every instance shares one process-wide meter, as Kestrel does.
    private static readonly Lazy<UdpEchoMetrics> Shared = new(() => new UdpEchoMetrics(new Meter(MeterName, Version)));

    // A factory hands out one Meter per name; instruments are created once per Meter, not once per server.
    private static readonly ConditionalWeakTable<Meter, UdpEchoMetrics> ByMeter = [];

    private static readonly string? Version = typeof(UdpEchoMetrics).Assembly.GetName().Version?.ToString();

    private UdpEchoMetrics(Meter meter)
    {
        ServerDatagrams = meter.CreateCounter<long>("udpecho.server.datagrams", "{datagram}", "Datagrams the server received and sent, by direction.");
        ServerBytes = meter.CreateCounter<long>("udpecho.server.bytes", "By", "Payload bytes the server received and sent, by direction.");
        ServerDropped = meter.CreateCounter<long>("udpecho.server.dropped", "{datagram}", "Datagrams the server received but did not echo, by reason.");
        ServerErrors = meter.CreateCounter<long>("udpecho.server.errors", "{error}", "Errors the server survived, by kind.");
        ServerLateness = meter.CreateHistogram<double>("udpecho.server.impairment.lateness", "s", "How late the impairment simulation sent delayed echoes against their due time: the simulator's own error.");
        ClientRoundTrip = meter.CreateHistogram<double>("udpecho.client.round_trip.duration", "s", "Time from the send of a datagram to the arrival of its echo, for calls and probes.");
        ClientTimeouts = meter.CreateCounter<long>("udpecho.client.timeouts", "{call}", "Calls that got no echo within any attempt, and probes that got none within their timeout.");
        ClientRetries = meter.CreateCounter<long>("udpecho.client.retries", "{datagram}", "Datagrams sent again after an attempt timed out.");
        ClientUnmatched = meter.CreateCounter<long>("udpecho.client.unmatched", "{datagram}", "Datagrams that completed no call and answered no probe, by kind: unmatched, late, duplicate, corrupt, foreign, truncated.");
    }

    public Counter<long> ServerDatagrams { get; }

    public Counter<long> ServerBytes { get; }

    public Counter<long> ServerDropped { get; }

    public Counter<long> ServerErrors { get; }

    public Histogram<double> ServerLateness { get; }

    public Histogram<double> ClientRoundTrip { get; }

    public Counter<long> ClientTimeouts { get; }

    public Counter<long> ClientRetries { get; }

    public Counter<long> ClientUnmatched { get; }

    public static UdpEchoMetrics Create(IMeterFactory? meterFactory) =>
        meterFactory is null
            ? Shared.Value
            : ByMeter.GetValue(meterFactory.Create(new MeterOptions(MeterName) { Version = Version }), meter => new UdpEchoMetrics(meter));

    /// <summary>Builds, once, the tags a measurement carries: the transport, the IP version, and one more when given.</summary>
    public static KeyValuePair<string, object?>[] Tags(bool ipv6, string? name = null, string? value = null)
    {
        var transport = new KeyValuePair<string, object?>("network.transport", "udp");
        var networkType = new KeyValuePair<string, object?>("network.type", ipv6 ? "ipv6" : "ipv4");
        return name is null ? [transport, networkType] : [transport, networkType, new(name, value)];
    }
}
