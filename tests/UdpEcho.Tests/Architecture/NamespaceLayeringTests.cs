using System.Text.RegularExpressions;

namespace UdpEcho.Tests.Architecture;

/// <summary>
/// The layers of src/UdpEcho point one way, read from the source's own <c>using</c> directives: no namespace reaches,
/// through any chain, back to itself; and the bottom layers use nothing above them. A datagram's path reads as one
/// line: engine (Transport) → pipeline (Policy, Stamp) → report (Diagnostics).
/// </summary>
public sealed partial class NamespaceLayeringTests
{
    private static readonly Lazy<Dictionary<string, HashSet<string>>> Graph = new(ReadGraph);

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Namespaces_HaveNoUsingCycle()
    {
        var cycles = new List<string>();
        foreach (var start in Graph.Value.Keys)
        {
            if (FindPath(start, start, []) is { } path)
            {
                cycles.Add(string.Join(" -> ", path));
            }
        }

        Assert.True(cycles.Count == 0, "Namespaces of src/UdpEcho use each other in a circle:\n" + string.Join('\n', cycles));
        await Task.CompletedTask;
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData("UdpEcho.Addressing", "")]
    [InlineData("UdpEcho.Transport", "UdpEcho.Addressing UdpEcho.Transport.Linux")]
    [InlineData("UdpEcho.Transport.Linux", "UdpEcho.Addressing")]
    [InlineData("UdpEcho.Stamp", "UdpEcho.Addressing")]
    [InlineData("UdpEcho.Policy", "UdpEcho.Addressing")]
    [InlineData("UdpEcho.Diagnostics", "UdpEcho.Addressing UdpEcho.Policy")]
    public async Task BottomLayers_UseOnlyWhatIsBelowThem(string layer, string allowed)
    {
        var permitted = allowed.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        var used = Graph.Value.GetValueOrDefault(layer) ?? [];

        Assert.DoesNotContain(used, u => !permitted.Contains(u));
        await Task.CompletedTask;
    }

    private static List<string>? FindPath(string from, string target, List<string> seen)
    {
        foreach (var next in Graph.Value.GetValueOrDefault(from) ?? [])
        {
            if (next == target)
            {
                return [.. seen.Prepend(from), next];
            }

            if (!seen.Contains(next) && FindPath(next, target, [.. seen, from]) is { } path)
            {
                return path;
            }
        }

        return null;
    }

    private static Dictionary<string, HashSet<string>> ReadGraph()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "UdpEcho.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("The repository root (UdpEcho.sln) is not above the test's directory.");
        }

        var graph = new Dictionary<string, HashSet<string>>();
        var source = Path.Combine(root, "src", "UdpEcho");
        foreach (var file in Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative.StartsWith("obj", StringComparison.Ordinal) || relative.StartsWith("bin", StringComparison.Ordinal))
            {
                continue;
            }

            var text = File.ReadAllText(file);
            var declared = NamespacePattern().Match(text);
            if (!declared.Success)
            {
                continue;
            }

            var name = declared.Groups[1].Value;
            var uses = graph.TryGetValue(name, out var set) ? set : graph[name] = [];
            foreach (Match used in UsingPattern().Matches(text))
            {
                if (used.Groups[1].Value != name)
                {
                    uses.Add(used.Groups[1].Value);
                }
            }
        }

        Assert.True(graph.Count > 5, $"found only {graph.Count} namespaces under {source}");
        return graph;
    }

    [GeneratedRegex(@"^namespace\s+([\w.]+)", RegexOptions.Multiline)]
    private static partial Regex NamespacePattern();

    [GeneratedRegex(@"^using\s+(UdpEcho[\w.]*)\s*;", RegexOptions.Multiline)]
    private static partial Regex UsingPattern();
}
