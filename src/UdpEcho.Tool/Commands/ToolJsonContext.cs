using System.Text.Json.Serialization;

namespace UdpEcho.Tool.Commands;

/// <summary>The JSON the commands print, generated at build time: camelCase names, indented, no reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(PingReport))]
[JsonSerializable(typeof(BenchReport))]
internal sealed partial class ToolJsonContext : JsonSerializerContext;

/// <summary>The JSON printed as one line (<c>serve --json</c>): camelCase names, no indentation, no reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(UdpEchoServerStatistics))]
internal sealed partial class ToolJsonLineContext : JsonSerializerContext;
