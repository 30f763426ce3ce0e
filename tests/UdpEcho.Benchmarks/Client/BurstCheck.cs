using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace UdpEcho.Benchmarks.Client;

/// <summary>
/// <c>burst HOST:PORT</c>: the check of issue 12 on the public API alone, against any server (<c>udpecho serve</c>):
/// one client, as the DI singleton is, and three bursts of concurrent calls (5000 of 64 bytes, 5000 of 512, 2000 of
/// 1400) with a 2 s timeout and 2 retries. Every call must come back with its own echo. Prints each burst's time,
/// retries and failures; exits 1 if any call failed.
/// </summary>
internal static class BurstCheck
{
    public static async Task<int> RunAsync(EndPoint server)
    {
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = server, Timeout = TimeSpan.FromSeconds(2), Retries = 2 });
        var failed = 0;
        foreach (var (calls, size) in new[] { (5000, 64), (5000, 512), (2000, 1400) })
        {
            var before = client.GetStatistics();
            var clock = Stopwatch.StartNew();
            var outcomes = await Task.WhenAll(Enumerable.Range(0, calls).Select(async i =>
            {
                var payload = new byte[size];
                BinaryPrimitives.WriteInt32BigEndian(payload, i);
                payload.AsSpan(4).Fill((byte)i);
                try
                {
                    var reply = await client.SendAndReceiveAsync(payload).ConfigureAwait(false);
                    return reply.Payload.Span.SequenceEqual(payload);
                }
                catch (Exception e) when (e is TimeoutException or UdpEchoException)
                {
                    return false;
                }
            }));
            var after = client.GetStatistics();
            var lost = outcomes.Count(ok => !ok);
            failed += lost;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{calls} calls of {size} bytes: {calls - lost} echoed, {lost} failed, {after.Retries - before.Retries} retries, {clock.Elapsed.TotalMilliseconds:0} ms"));
        }

        return failed == 0 ? 0 : 1;
    }
}
