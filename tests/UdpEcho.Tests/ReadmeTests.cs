namespace UdpEcho.Tests;

/// <summary>Keeps the README's quick start identical to the code <see cref="QuickStartTests"/> runs.</summary>
public sealed class ReadmeTests
{
    private const string Begin = "// --- README quick start begins ---";
    private const string End = "// --- README quick start ends ---";

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task Readme_QuickStart_IsTheTestedCode()
    {
        var root = RepositoryRoot();
        var test = await File.ReadAllLinesAsync(Path.Combine(root, "tests", "UdpEcho.Tests", "QuickStartTests.cs"));
        var readme = await File.ReadAllTextAsync(Path.Combine(root, "README.md"));

        var tested = test.SkipWhile(l => !l.Contains(Begin, StringComparison.Ordinal)).Skip(1)
            .TakeWhile(l => !l.Contains(End, StringComparison.Ordinal))
            .Select(l => l.Trim())
            .ToList();
        var shown = readme.Split('\n').Select(l => l.Trim()).ToList();

        Assert.NotEmpty(tested);
        var start = shown.IndexOf(tested[0]);
        Assert.True(start >= 0, $"README.md does not contain the quick start's first line: {tested[0]}");
        Assert.Equal(tested, shown.Skip(start).Take(tested.Count));
    }

    // From this source file's own path, not the build output: --artifacts-path may put the output anywhere.
    internal static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
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
