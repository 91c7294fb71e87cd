namespace Rece.Infra.Tests;

/// <summary>
/// The code stays as CSharpier formats it (at .editorconfig's 120 columns): a reformatting tool, not review, keeps the
/// layout. CSharpier breaks no comment and no string literal: long comments are refused here, while a line may run
/// long for a literal (an error message, a JSON or SVG fixture) that would read worse split.
/// </summary>
public sealed class CodeStyleTests
{
    private static IEnumerable<string> SourceFiles() =>
        new[] { "src", "tests", "bench" }
            .SelectMany(folder => Directory.EnumerateFiles(Repo.File(folder), "*.cs", SearchOption.AllDirectories))
            .Where(f =>
                !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains(
                    $"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}",
                    StringComparison.Ordinal
                )
            );

    [Fact]
    public void NoLineIsLongerThan120CharactersButOneHoldingAStringLiteral()
    {
        var long_ = SourceFiles()
            .SelectMany(f =>
                File.ReadLines(f)
                    .Select((line, i) => (File: Path.GetRelativePath(Repo.Root, f), Line: i + 1, Text: line))
            )
            .Where(l => l.Text.Length > 120 && !l.Text.Contains('"', StringComparison.Ordinal))
            .Select(l => $"{l.File}:{l.Line} ({l.Text.Length} characters)")
            .ToList();
        Assert.True(
            long_.Count == 0,
            "Wrap these lines (comments by hand, code with `dotnet csharpier format .`):\n" + string.Join('\n', long_)
        );
    }

    [Fact]
    public void TheCodeIsFormattedByCSharpier()
    {
        var (exit, stdout, stderr) = Repo.Run("dotnet", ["csharpier", "check", "src", "tests", "bench"]);
        Assert.True(
            exit == 0,
            $"Run `dotnet tool restore && dotnet csharpier format src tests bench`:\n{stdout}\n{stderr}"
        );
    }
}
