using System.Text;
using Rece.Core.Settings;

namespace Rece.Infra.Tests;

/// <summary>The erase settings are declared once (<see cref="EraseSettings"/>); the docs must say the same.</summary>
public sealed class EraseSettingsDocumentationTests
{
    private const string Begin = "<!-- erase-settings:begin";
    private const string End = "<!-- erase-settings:end -->";

    /// <summary>The table docs/cli.md must hold between its markers.</summary>
    private static string Table()
    {
        var table = new StringBuilder()
            .Append("| option | request field | meaning | default | sweepable |\n")
            .Append("|---|---|---|---|---|\n");
        foreach (var s in EraseSetting.All)
        {
            string value =
                s.IsChoice ? string.Join("\\|", s.Choices)
                : s.IsWholeNumber ? "N"
                : "X";
            table
                .Append(
                    $"| `{s.Option} {value}` | `{s.Name}` | {s.Description.Replace("|", "\\|", StringComparison.Ordinal)} | "
                )
                .Append($"{s.DefaultText} | {(s.Sweepable ? "yes" : "no")} |\n");
        }
        return table.ToString();
    }

    [Fact]
    public void TheCliDocsTableIsTheOneTheSettingsDeclare()
    {
        string docs = Repo.Read("docs", "cli.md").ReplaceLineEndings("\n");
        int begin = docs.IndexOf(Begin, StringComparison.Ordinal);
        int end = docs.IndexOf(End, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, $"docs/cli.md lacks the {Begin} ... {End} block.");
        string block = docs[(docs.IndexOf('\n', begin) + 1)..end];
        Assert.Equal(Table(), block);
    }

    [Fact]
    public void ThePipelineDocsNameEverySettingAndEverySweepableOne()
    {
        string docs = Repo.Read("docs", "pipeline.md");
        string settingsRow = docs.Split('\n').Single(l => l.StartsWith("| `epochs`", StringComparison.Ordinal));
        string sweepRow = docs.Split('\n').Single(l => l.StartsWith("| `sweep`", StringComparison.Ordinal));
        Assert.Equal(
            EraseSetting.All.Select(s => $"`{s.Name}`").Order(),
            settingsRow.Split('|')[1].Split(',').Select(n => n.Trim()).Order()
        );
        Assert.All(EraseSetting.Sweepables, s => Assert.Contains($"`{s.Name}`", sweepRow, StringComparison.Ordinal));
        Assert.All(EraseSetting.All.Where(s => !s.Sweepable), s =>
            Assert.DoesNotContain($"`{s.Name}`", sweepRow, StringComparison.Ordinal)
        );
    }
}
