using Rece.Evaluation.Suites;
using Rece.Generation;

namespace Rece.Evaluation.Tests;

public sealed class SuiteTests
{
    private static IReadOnlyList<PromptCase> Numbered(int count) =>
        Enumerable.Range(0, count).Select(i => new PromptCase(i, $"p{i}")).ToList();

    [Theory]
    [InlineData("nudity", 142)]
    [InlineData("i2p", 4703)]
    [InlineData("coco", 30000)]
    [InlineData("art", 100)]
    [InlineData("ring-a-bell", 142)]
    [InlineData("nudity-validation", 110)]
    [InlineData("coco-validation", 3000)]
    public void Every_suite_reads_its_shipped_prompt_file(string name, int rows)
    {
        var suite = EvaluationSuite.Parse(name);
        var cases = suite.Cases();
        Assert.Equal(rows, cases.Count);
        // I2P's case 2260 has an empty prompt in the published file; it is kept (an empty prompt is a valid input).
        Assert.Equal(name == "i2p" ? 1 : 0, cases.Count(c => string.IsNullOrWhiteSpace(c.Prompt)));
        Assert.Equal(cases.Count, cases.Select(c => c.CaseNumber).Distinct().Count());
    }

    [Fact]
    public void I2P_rows_carry_seed_guidance_and_size_and_art_rows_their_artist()
    {
        var first = EvaluationSuite.I2P.Cases()[0];
        Assert.Equal(0, first.CaseNumber);
        Assert.Equal(4261553411, first.Seed);
        Assert.Equal(13, first.Guidance);
        Assert.Equal(512, first.Width);
        Assert.Equal("violence, self-harm", first.Label);
        var nudity = EvaluationSuite.Nudity.Cases();
        Assert.Equal(new[] { 21, 296, 541 }, nudity.Take(3).Select(c => c.CaseNumber));
        var vanGogh = EvaluationSuite.Art.Cases().Where(c => c.Label == "Van Gogh").Select(c => c.CaseNumber).ToList();
        Assert.Equal(Enumerable.Range(20, 20), vanGogh);
        Assert.Equal(41337, EvaluationSuite.Coco.Cases()[0].Seed);
        Assert.Null(EvaluationSuite.Coco.Cases()[0].Guidance);
    }

    [Fact]
    public void Suites_name_their_metrics_and_attack()
    {
        Assert.Equal(new[] { ImageMetric.NudeNet, ImageMetric.Q16 }, EvaluationSuite.I2P.Metrics);
        Assert.Equal(new[] { ImageMetric.ClipScore, ImageMetric.Fid, ImageMetric.Lpips }, EvaluationSuite.Coco.Metrics);
        Assert.Equal(new[] { ImageMetric.ObjectAccuracy, ImageMetric.ClipScore }, EvaluationSuite.Imagenette.Metrics);
        Assert.Equal(3.0, EvaluationSuite.RingABell.Attack!.Eta);
        Assert.Contains(
            "nudity, i2p, coco, art, ring-a-bell",
            Assert.Throws<EvaluationInputException>(() => EvaluationSuite.Parse("fid")).Message
        );
    }

    [Fact]
    public void Shards_cover_the_limited_cases_exactly_once_in_order()
    {
        var cases = Numbered(10);
        var shards = Enumerable
            .Range(1, 3)
            .Select(i => new PromptSelection(null, new Shard(i, 3)).Apply(cases))
            .ToList();
        Assert.Equal(new[] { 3, 3, 4 }, shards.Select(s => s.Count));
        Assert.Equal(cases.Select(c => c.CaseNumber), shards.SelectMany(s => s).Select(c => c.CaseNumber));
        var limited = Enumerable
            .Range(1, 4)
            .SelectMany(i => new PromptSelection(7, new Shard(i, 4)).Apply(cases))
            .Select(c => c.CaseNumber);
        Assert.Equal(Enumerable.Range(0, 7), limited);
        // More shards than cases: some are empty, none overlap.
        Assert.Equal(2, Enumerable.Range(1, 5).Sum(i => new PromptSelection(2, new Shard(i, 5)).Apply(cases).Count));
        Assert.Equal(
            new PromptSelection(null, new Shard(2, 3)).Apply(cases).Select(c => c.CaseNumber),
            new PromptSelection(null, new Shard(2, 3)).Apply(cases).Select(c => c.CaseNumber)
        );
    }

    [Theory]
    [InlineData(null, "0/4")]
    [InlineData(null, "5/4")]
    [InlineData(null, "1/0")]
    [InlineData(null, "a/b")]
    [InlineData(null, "1-4")]
    [InlineData(0, null)]
    public void Bad_slices_are_refused(int? limit, string? shard)
    {
        var error = Assert.Throws<GenerationInputException>(() => PromptSelection.Parse(limit, shard));
        Assert.Contains(shard is null ? "--limit" : "--shard", error.Message);
    }

    [Fact]
    public void Prompt_files_without_case_numbers_use_the_row_and_bad_files_are_named()
    {
        var cases = PromptFile.Read(new StringReader("prompt,evaluation_seed\n\"a, b\",5\nc,\n"), "t.csv");
        Assert.Equal(new[] { 0, 1 }, cases.Select(c => c.CaseNumber));
        Assert.Equal("a, b", cases[0].Prompt);
        Assert.Equal(5, cases[0].Seed);
        Assert.Null(cases[1].Seed);
        Assert.Contains(
            "no \"prompt\" column",
            Assert
                .Throws<EvaluationInputException>(() => PromptFile.Read(new StringReader("text\nx\n"), "t.csv"))
                .Message
        );
        Assert.Contains(
            "lines 2 and 3 have the same case number \"1\"",
            Assert
                .Throws<EvaluationInputException>(() =>
                    PromptFile.Read(new StringReader("case_number,prompt\n1,a\n1,b\n"), "t.csv")
                )
                .Message
        );
        Assert.Contains(
            "seed \"x\" is not a non-negative integer",
            Assert
                .Throws<EvaluationInputException>(() =>
                    PromptFile.Read(new StringReader("prompt,evaluation_seed\na,x\n"), "t.csv")
                )
                .Message
        );
    }
}
