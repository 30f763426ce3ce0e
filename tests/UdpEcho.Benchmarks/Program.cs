using System.Globalization;
using BenchmarkDotNet.Running;
using UdpEcho.Benchmarks;

// `naive-echo PORT` runs the naive .NET echo loop that whole-system/compare.sh measures against; anything else is
// BenchmarkDotNet's command line: --filter '*Histogram*', --job short, --list flat, ... (docs/performance.md).
if (args is ["naive-echo", var port])
{
    await NaiveEchoServer.RunAsync(int.Parse(port, CultureInfo.InvariantCulture));
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
