using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace UdpEcho.Docs.Tests;

/// <summary>
/// Every ```csharp block of README.md and docs/*.md compiles as it stands, as if pasted into a new console app: its
/// implicit usings and nothing more, so a snippet that lacks a using fails. The references are our packages and what the
/// pages tell readers to add (the generic host, ASP.NET Core, OpenTelemetry, Moq, xunit). Blocks fenced
/// ```csharp signature list declarations for reading and are not compiled.
/// </summary>
public sealed partial class DocsSnippetTests
{
    // The implicit usings of `dotnet new console` (Microsoft.NET.Sdk): all a pasted snippet may take for granted.
    private const string ConsoleImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    private static readonly Lazy<MetadataReference[]> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray());

    public static TheoryData<string> Snippets()
    {
        var data = new TheoryData<string>();
        foreach (var (name, _) in AllSnippets())
        {
            data.Add(name);
        }

        return data;
    }

    [Fact(Timeout = 10_000)]
    public async Task Docs_HaveSnippets_InTheReadmeAndTheHostingPage()
    {
        var names = AllSnippets().Select(s => s.Name).ToList();

        // The scan itself must not come up empty: a moved folder or a changed fence would otherwise pass every theory.
        Assert.Contains(names, n => n.StartsWith("README.md#", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("docs/hosting.md#", StringComparison.Ordinal));
        Assert.True(names.Count >= 10, $"Only {names.Count} snippets found: {string.Join(", ", names)}");
        await Task.CompletedTask;
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Snippets))]
    public async Task Snippet_Compiles(string name)
    {
        var code = AllSnippets().Single(s => s.Name == name).Code;
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var snippet = CSharpSyntaxTree.ParseText(code, parse, path: name, encoding: Encoding.UTF8);
        var program = (await snippet.GetRootAsync()) is CompilationUnitSyntax root && root.Members.OfType<GlobalStatementSyntax>().Any();

        var compilation = CSharpCompilation.Create(
            "Snippet",
            [snippet, CSharpSyntaxTree.ParseText(ConsoleImplicitUsings, parse)],
            References.Value,
            new CSharpCompilationOptions(program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var output = new MemoryStream();
        var result = compilation.Emit(output);

        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        Assert.True(errors.Count == 0, $"{name} does not compile:\n{string.Join('\n', errors)}\n--- the snippet:\n{code}");
    }

    private static IEnumerable<(string Name, string Code)> AllSnippets()
    {
        var root = RepositoryRoot();
        var pages = Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Order(StringComparer.Ordinal).Prepend(Path.Combine(root, "README.md"));
        foreach (var page in pages)
        {
            var relative = Path.GetRelativePath(root, page).Replace('\\', '/');
            var index = 0;
            foreach (Match block in CSharpBlock().Matches(File.ReadAllText(page)))
            {
                index++;
                yield return ($"{relative}#{index}", block.Groups["code"].Value);
            }
        }
    }

    // ```csharp alone on its line (not ```csharp signature), up to the closing fence.
    [GeneratedRegex(@"^```csharp[ \t]*\r?\n(?<code>.*?)^```[ \t]*$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    // From this source file's own path, not the build output: --artifacts-path may put the output anywhere.
    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
    {
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(sourceFile)!); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "UdpEcho.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("UdpEcho.sln not found above " + sourceFile);
    }
}
