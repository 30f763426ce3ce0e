using System.Diagnostics.Metrics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using UdpEcho;

namespace UdpEcho.Hosting;

/// <summary>
/// Checks a UDP echo server by echoing: a datagram of random bytes per echo, sent together from a new client (so an
/// echo left over from an earlier check can never be taken for one of this check's), each answered only by its exact
/// bytes. Built on the public <see cref="UdpEchoClient"/> alone.
/// </summary>
internal sealed class UdpEchoHealthCheck(UdpEchoHealthCheckOptions options, ILoggerFactory? loggerFactory, IMeterFactory? meterFactory) : IHealthCheck
{
    private const int PayloadSize = 32;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var client = new UdpEchoClient(
            new UdpEchoClientOptions { RemoteEndPoint = options.RemoteEndPoint, Timeout = options.Timeout, Matching = UdpEchoMatching.ExactBytes },
            loggerFactory,
            meterFactory);
        await using (client.ConfigureAwait(false))
        {
            var echoes = await Task.WhenAll(Enumerable.Range(0, options.Count).Select(_ => EchoAsync(client, cancellationToken))).ConfigureAwait(false);
            return Judge(echoes, context.Registration.FailureStatus);
        }
    }

    // A lost echo is a timeout, or an error the destination reported (ICMP port unreachable), or a name that did not resolve.
    private static async Task<Echo> EchoAsync(UdpEchoClient client, CancellationToken cancellationToken)
    {
        var payload = RandomNumberGenerator.GetBytes(PayloadSize);
        try
        {
            var reply = await client.SendAndReceiveAsync(payload, cancellationToken).ConfigureAwait(false);
            return new Echo(reply.RoundTripTime, null);
        }
        catch (Exception e) when (e is TimeoutException or UdpEchoException)
        {
            return new Echo(null, e.Message);
        }
    }

    private HealthCheckResult Judge(Echo[] echoes, HealthStatus failureStatus)
    {
        var times = echoes.Where(e => e.RoundTrip is not null).Select(e => e.RoundTrip!.Value).Order().ToList();
        var lossPercent = 100.0 * (echoes.Length - times.Count) / echoes.Length;
        var data = new Dictionary<string, object>
        {
            ["endpoint"] = options.RemoteEndPoint!.ToString()!,
            ["sent"] = echoes.Length,
            ["received"] = times.Count,
            ["lossPercent"] = lossPercent,
        };
        var summary = $"{times.Count} of {echoes.Length} echoes from {options.RemoteEndPoint}";
        if (times.Count == 0)
        {
            return new HealthCheckResult(failureStatus, $"{summary}: {echoes.Select(e => e.Error).First(e => e is not null)}", data: data);
        }

        // Nearest rank: the middle echo of an odd count, the faster middle one of an even count.
        var p50 = times[(times.Count - 1) / 2];
        var max = times[^1];
        data["roundTripP50Ms"] = p50.TotalMilliseconds;
        data["roundTripMaxMs"] = max.TotalMilliseconds;
        summary += string.Create(CultureInfo.InvariantCulture, $", round trip p50 {p50.TotalMilliseconds:0.###} ms, max {max.TotalMilliseconds:0.###} ms");

        if (lossPercent > options.MaxLossPercent)
        {
            return new HealthCheckResult(failureStatus, string.Create(CultureInfo.InvariantCulture, $"{summary}: {lossPercent:0.#}% lost, more than {options.MaxLossPercent}%"), data: data);
        }

        return p50 > options.DegradedRoundTripTime
            ? HealthCheckResult.Degraded($"{summary}: p50 above {options.DegradedRoundTripTime.Value.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms", data: data)
            : HealthCheckResult.Healthy(summary, data);
    }

    private readonly record struct Echo(TimeSpan? RoundTrip, string? Error);
}
