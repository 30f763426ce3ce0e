using BenchmarkDotNet.Running;

// BenchmarkDotNet's command line: --filter '*Histogram*', --job short, --list flat, ... (docs/performance.md).
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
