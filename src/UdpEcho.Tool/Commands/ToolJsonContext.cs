using System.Text.Json.Serialization;

namespace UdpEcho.Tool.Commands;

/// <summary>The JSON documents the commands print, generated at build time: camelCase names, indented, no reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(PingReport))]
[JsonSerializable(typeof(BenchReport))]
[JsonSerializable(typeof(SendReport))]
internal sealed partial class ToolJsonContext : JsonSerializerContext;

/// <summary>The JSON printed one object a line (<c>--samples</c>, <c>serve --json</c>): camelCase names, not indented, no reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ProbeSample))]
[JsonSerializable(typeof(UdpEchoServerStatistics))]
internal sealed partial class ToolJsonLinesContext : JsonSerializerContext;
