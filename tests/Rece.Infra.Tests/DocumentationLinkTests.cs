using System.Text;
using System.Text.RegularExpressions;

namespace Rece.Infra.Tests;

/// <summary>
/// README.md and docs/*.md: every relative link resolves (the file exists; an #anchor names a heading of the target,
/// by GitHub's slug rules), the README stays a front page, and its first two fenced blocks (the set-up-and-run command
/// and the test command, which .ci/run runs verbatim) keep their exact text.
/// </summary>
public sealed partial class DocumentationLinkTests
{
    private const string FirstBlock =
        "dotnet run -c Release --project src/Rece.Cli -- fixture tiny --out demo/tiny-sd --force && dotnet run -c Release --project src/Rece.Cli -- erase --model demo/tiny-sd --concept nudity --preset nudity --out demo/tiny-sd-erased --force";

    private const string SecondBlock = "bash tools/install-test-dependencies.sh && dotnet test RecePipeline.sln";

    public static TheoryData<string> Documents()
    {
        var data = new TheoryData<string> { "README.md" };
        foreach (var file in Directory.GetFiles(Repo.File("docs"), "*.md").Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(Repo.Root, file).Replace('\\', '/'));
        return data;
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_relative_link_resolves(string document)
    {
        string path = Repo.File(document);
        var problems = new List<string>();
        foreach (var (line, target) in Links(File.ReadAllText(path)))
        {
            if (IsExternal(target))
                continue;
            int hash = target.IndexOf('#', StringComparison.Ordinal);
            string file = hash < 0 ? target : target[..hash];
            string? anchor = hash < 0 ? null : Uri.UnescapeDataString(target[(hash + 1)..]);
            string resolved =
                file.Length == 0
                    ? path
                    : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, Uri.UnescapeDataString(file)));
            if (!File.Exists(resolved) && !Directory.Exists(resolved))
            {
                problems.Add(
                    $"{document}:{line}: {target}: {Path.GetRelativePath(Repo.Root, resolved)} does not exist"
                );
                continue;
            }
            if (
                anchor is not null
                && resolved.EndsWith(".md", StringComparison.OrdinalIgnoreCase)
                && !HeadingSlugs(File.ReadAllText(resolved)).Contains(anchor)
            )
                problems.Add(
                    $"{document}:{line}: {target}: no heading #{anchor} in {Path.GetRelativePath(Repo.Root, resolved)}"
                );
        }
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void The_readme_is_a_front_page()
    {
        int lines = File.ReadAllLines(Repo.File("README.md")).Length;
        Assert.True(lines <= 200, $"README.md has {lines} lines; keep it at most 200 and move detail into docs/.");
    }

    [Fact]
    public void The_readme_starts_with_the_two_commands_unchanged()
    {
        var blocks = FencedBlocks(File.ReadAllText(Repo.File("README.md"))).Take(2).ToList();
        Assert.Equal(2, blocks.Count);
        Assert.Equal(("bash", FirstBlock), blocks[0]);
        Assert.Equal(("bash", SecondBlock), blocks[1]);
    }

    [Theory]
    [InlineData("Run it locally against Azurite", "run-it-locally-against-azurite")]
    [InlineData("`rece erase`", "rece-erase")]
    [InlineData("Output of `rece erase`", "output-of-rece-erase")]
    [InlineData("Embedding-space measures (cheap, no images)", "embedding-space-measures-cheap-no-images")]
    [InlineData("The engine: everything in d × d space", "the-engine-everything-in-d--d-space")]
    [InlineData("snake_case and 2.0", "snake_case-and-20")]
    public void Slugs_follow_GitHub(string heading, string slug) => Assert.Equal(slug, Slug(heading));

    [Fact]
    public void Repeated_headings_get_numbered_slugs() =>
        Assert.Equal(
            ["notes", "notes-1", "notes-2"],
            HeadingSlugs("# Notes\n## Notes\n```\n# not a heading\n```\n### Notes\n")
        );

    private static bool IsExternal(string target) =>
        UriScheme().IsMatch(target) || target.StartsWith("//", StringComparison.Ordinal);

    /// <summary>Inline links and images outside code: fenced blocks, indented blocks and code spans are
    /// skipped.</summary>
    private static IEnumerable<(int Line, string Target)> Links(string markdown)
    {
        string[] lines = markdown.Split('\n');
        bool fenced = false;
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (Fence().IsMatch(line))
            {
                fenced = !fenced;
                continue;
            }
            if (fenced || line.StartsWith("    ", StringComparison.Ordinal) || line.StartsWith('\t'))
                continue;
            string text = CodeSpan().Replace(line, "");
            foreach (Match m in Link().Matches(text))
                yield return (i + 1, m.Groups["target"].Value);
        }
    }

    /// <summary>The anchors GitHub gives a document's headings (repeated slugs get -1, -2, ...).</summary>
    private static HashSet<string> HeadingSlugs(string markdown)
    {
        var slugs = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        bool fenced = false;
        foreach (var raw in markdown.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (Fence().IsMatch(line))
            {
                fenced = !fenced;
                continue;
            }
            if (fenced)
                continue;
            var heading = Heading().Match(line);
            if (!heading.Success)
                continue;
            string slug = Slug(heading.Groups["text"].Value);
            string unique = seen.TryGetValue(slug, out int n) ? $"{slug}-{n}" : slug;
            seen[slug] = n + 1;
            slugs.Add(unique);
        }
        return slugs;
    }

    /// <summary>GitHub's rule: link text for links, lowercase, drop punctuation except '-' and '_', spaces to
    /// '-'.</summary>
    private static string Slug(string heading)
    {
        string text = InlineLink().Replace(heading.Trim(), "${text}").ToLowerInvariant();
        var slug = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (char.IsLetterOrDigit(c) || c == '-' || c == '_')
                slug.Append(c);
            else if (c == ' ')
                slug.Append('-');
        }
        return slug.ToString();
    }

    /// <summary>Fenced code blocks in order: the info string and the exact content (without the fences).</summary>
    private static IEnumerable<(string Info, string Content)> FencedBlocks(string markdown)
    {
        string[] lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var open = Fence().Match(lines[i]);
            if (!open.Success)
                continue;
            int end = i + 1;
            while (end < lines.Length && !Fence().IsMatch(lines[end]))
                end++;
            yield return (
                open.Groups["info"].Value.Trim(),
                string.Join('\n', lines[(i + 1)..Math.Min(end, lines.Length)])
            );
            i = end;
        }
    }

    [GeneratedRegex(@"^ {0,3}(```|~~~)(?<info>.*)$")]
    private static partial Regex Fence();

    [GeneratedRegex(@"`+[^`]*`+")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"!?\[[^\]]*\]\((?<target>[^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"\[(?<text>[^\]]*)\]\([^)]*\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"^ {0,3}#{1,6}\s+(?<text>.*?)(?:\s+#+)?\s*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.-]*:")]
    private static partial Regex UriScheme();
}
