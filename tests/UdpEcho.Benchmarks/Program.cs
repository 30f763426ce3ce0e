using System.Globalization;
using BenchmarkDotNet.Running;
using System.Net;
using UdpEcho.Benchmarks;
using UdpEcho.Benchmarks.Client;

// `naive-echo PORT` runs the naive .NET echo loop that whole-system/compare.sh measures against; `rtt-in-process
// [ROUNDS] [COUNT]` and `burst HOST:PORT` are the client's checks (docs/client.md, "Measuring it yourself"); anything
// else is BenchmarkDotNet's command line: --filter '*Histogram*', --job short, --list flat, ... (docs/performance.md).
switch (args)
{
    case ["naive-echo", var port]:
        await NaiveEchoServer.RunAsync(int.Parse(port, CultureInfo.InvariantCulture));
        return 0;
    case ["rtt-in-process", ..]:
        await InProcessRoundTrips.RunAsync(
            args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 7,
            args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2000);
        return 0;
    case ["burst", var server]:
        return await BurstCheck.RunAsync(IPEndPoint.Parse(server));
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
