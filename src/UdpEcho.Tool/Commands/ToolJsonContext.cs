using System.Text.Json.Serialization;

namespace UdpEcho.Tool.Commands;

/// <summary>The JSON documents the commands print, generated at build time: camelCase names, indented, no reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(PingReport))]
[JsonSerializable(typeof(BenchReport))]
[JsonSerializable(typeof(SendReport))]
[JsonSerializable(typeof(ErrorReport))]
internal sealed partial class ToolJsonContext : JsonSerializerContext;

/// <summary>What <c>ping --json</c> and <c>bench --json</c> print when the run fails before it has figures: the target and why.</summary>
internal sealed record ErrorReport(string Target, string Error);

/// <summary>The JSON printed one object a line (<c>--samples</c>, <c>serve --json</c>): camelCase names, not indented, no reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ProbeSample))]
[JsonSerializable(typeof(UdpEchoServerStatistics))]
internal sealed partial class ToolJsonLinesContext : JsonSerializerContext;
