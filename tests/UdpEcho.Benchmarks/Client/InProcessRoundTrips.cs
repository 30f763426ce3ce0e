using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace UdpEcho.Benchmarks.Client;

/// <summary>
/// <c>rtt-in-process [ROUNDS] [COUNT]</c>: client and server in one process, as a test harness has them. A
/// <see cref="UdpEchoServer"/> on loopback; then, interleaved round after round, COUNT back-to-back round trips of
/// (a) a plain blocking socket on a thread of its own (send, blocking receive: the reference), (b)
/// <see cref="UdpEchoClient.ProbeAsync"/> with no interval, (c) <see cref="UdpEchoClient.SendAndReceiveAsync(ReadOnlyMemory{byte}, CancellationToken)"/>
/// awaited one after another. Prints each round's p50s and the median ratios to the reference.
/// </summary>
internal static class InProcessRoundTrips
{
    public static async Task RunAsync(int rounds, int count)
    {
        await using var server = new UdpEchoServer(new UdpEchoServerOptions { Address = IPAddress.Loopback });
        await server.StartAsync();
        var target = server.LocalEndPoint!;
        await using var client = new UdpEchoClient(new UdpEchoClientOptions { RemoteEndPoint = target });
        var payload = new byte[64];
        var probes = new List<double>();
        var calls = new List<double>();
        Console.WriteLine($"rtt-in-process: {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}, rounds={rounds} count={count}, against a UdpEchoServer in this process");
        Console.WriteLine("round  blocking p50   probe p50   call p50   (µs)");
        await BlockingP50Async(target, 200); // warm-up, not counted
        for (var round = 1; round <= rounds; round++)
        {
            var blocking = await BlockingP50Async(target, count);
            var probe = (await client.ProbeAsync(new UdpEchoProbeOptions { Count = count, WarmUp = 10 })).RoundTrip.P50.TotalMicroseconds;
            var times = new double[count];
            for (var i = 0; i < count; i++)
            {
                times[i] = (await client.SendAndReceiveAsync(payload)).RoundTripTime.TotalMicroseconds;
            }

            var call = Median(times);
            probes.Add(probe / blocking);
            calls.Add(call / blocking);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{round,5}  {blocking,12:0.0}  {probe,10:0.0}  {call,9:0.0}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median ratio to the blocking socket: probe {Median([.. probes]):0.00}x, call {Median([.. calls]):0.00}x"));
    }

    /// <summary>The p50 of <paramref name="count"/> round trips of a plain connected blocking socket, on a thread of its own.</summary>
    private static Task<double> BlockingP50Async(IPEndPoint target, int count) => Task.Factory.StartNew(
        () =>
        {
            using var socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            socket.Connect(target);
            var datagram = new byte[64];
            var echo = new byte[65536];
            var times = new double[count];
            for (var i = 0; i < count; i++)
            {
                var start = Stopwatch.GetTimestamp();
                socket.Send(datagram);
                socket.Receive(echo);
                times[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }

            return Median(times);
        },
        CancellationToken.None,
        TaskCreationOptions.LongRunning,
        TaskScheduler.Default);

    private static double Median(double[] values)
    {
        Array.Sort(values);
        return values[values.Length / 2];
    }
}
