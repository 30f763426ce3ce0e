using System.Text.Json.Serialization;

namespace UdpEcho.Tool.Commands;

/// <summary>The JSON documents the commands print, generated at build time: camelCase names, indented, no reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(PingReport))]
[JsonSerializable(typeof(BenchReport))]
[JsonSerializable(typeof(SendReport))]
internal sealed partial class ToolJsonContext : JsonSerializerContext;

/// <summary>The JSON lines of <c>--samples</c>: one object a line, so not indented.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ProbeSample))]
internal sealed partial class ToolJsonLinesContext : JsonSerializerContext;
