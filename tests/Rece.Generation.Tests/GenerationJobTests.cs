using Rece.Models.Schedulers;

namespace Rece.Generation.Tests;

[Collection(TinyPipelineCollection.Name)]
public class GenerationJobTests(TinyPipelines models)
{
    private const string Prompts =
        "case_number,prompt,evaluation_seed,evaluation_guidance,sd_image_width,sd_image_height\n"
        + "10,a photo of a cat,4261553411,7,64,64\n"
        + "11,a red car,5,1,48,64\n"
        + "12,a tree,6,,,\n"
        + "13,a house,7,3,64,64\n";

    private string WriteCsv(string folder, string text = Prompts)
    {
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "prompts.csv");
        File.WriteAllText(path, text);
        return path;
    }

    private GenerationJobRequest Request(string csv, string output) =>
        new()
        {
            ModelDirectory = models.V1,
            PromptsCsv = csv,
            OutputDirectory = output,
            Steps = 3,
            Guidance = 5,
            Seed = 99,
            Size = 56,
            Batch = 2,
        };

    [Fact]
    public void RowsAreGeneratedWithTheirOwnSettingsAndListedInTheManifest()
    {
        string root = models.NewFolder(),
            output = Path.Combine(root, "images");
        var summary = GenerationJob.Run(Request(WriteCsv(root), output), pipeline: models.Pipeline);

        Assert.Equal((4, 0, 4), (summary.Generated, summary.Skipped, summary.Rows));
        Assert.Equal(
            new[] { "10.png", "11.png", "12.png", "13.png" },
            Directory.GetFiles(output, "*.png").Select(Path.GetFileName).Order()
        );
        var entries = GenerationManifest.ReadFolder(output);
        Assert.Equal(4, entries.Count);
        var car = entries.Single(e => e.CaseNumber == "11");
        Assert.Equal(
            ("a red car", 5UL, 1.0, 48, 64, 3, "lms", "fp32"),
            (car.Prompt, car.Seed, car.Guidance, car.Width, car.Height, car.Steps, car.Scheduler, car.Precision)
        );
        var tree = entries.Single(e => e.CaseNumber == "12");
        // the defaults fill the empty cells
        Assert.Equal((6UL, 5.0, 56, 56), (tree.Seed, tree.Guidance, tree.Width, tree.Height));
        Assert.All(entries, e => Assert.Equal(summary.ModelHash, e.ModelHash));
        Assert.All(entries, e => Assert.True(e.Seconds["total"] > 0));
        var (width, height, _) = PngImage.Decode(File.ReadAllBytes(Path.Combine(output, "11.png")));
        Assert.Equal((48, 64), (width, height));

        // The job's image is the pipeline's image for the row's settings.
        var direct = models.Pipeline.Generate(ImageRequest.ForPrompt("a photo of a cat", 4_261_553_411, 7, 64, 3));
        Assert.Equal(direct.EncodePng(), File.ReadAllBytes(Path.Combine(output, "10.png")));
    }

    [Fact]
    public void ARunResumesWhereItStopped()
    {
        string root = models.NewFolder(),
            output = Path.Combine(root, "images"),
            csv = WriteCsv(root);
        GenerationJob.Run(Request(csv, output) with { Limit = 2 }, pipeline: models.Pipeline);
        var kept = File.ReadAllBytes(Path.Combine(output, "10.png"));
        File.SetLastWriteTimeUtc(Path.Combine(output, "10.png"), new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        var summary = GenerationJob.Run(Request(csv, output), pipeline: models.Pipeline);

        Assert.Equal((2, 2), (summary.Generated, summary.Skipped));
        Assert.Equal(
            new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            File.GetLastWriteTimeUtc(Path.Combine(output, "10.png"))
        );
        Assert.Equal(kept, File.ReadAllBytes(Path.Combine(output, "10.png")));
        Assert.Equal(4, GenerationManifest.ReadFolder(output).Count);
        Assert.Empty(Directory.GetFiles(output, ".*partial*"));
    }

    [Fact]
    public void ShardsFillOneFolderTogether()
    {
        string root = models.NewFolder(),
            output = Path.Combine(root, "images"),
            csv = WriteCsv(root);
        var first = GenerationJob.Run(Request(csv, output) with { Shard = new Shard(1, 2) }, pipeline: models.Pipeline);
        var second = GenerationJob.Run(
            Request(csv, output) with
            {
                Shard = new Shard(2, 2),
            },
            pipeline: models.Pipeline
        );

        Assert.Equal((2, 2), (first.Generated, second.Generated));
        Assert.EndsWith("manifest.shard-1-of-2.jsonl", first.ManifestPath);
        Assert.Equal(new[] { "10", "11", "12", "13" }, GenerationManifest.ReadFolder(output).Select(e => e.CaseNumber));
        Assert.Equal(
            new[] { "10", "11" },
            File.ReadLines(first.ManifestPath)
                .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("caseNumber").GetString())
        );
    }

    [Fact]
    public void AFolderOfOtherSettingsIsRefused()
    {
        string root = models.NewFolder(),
            output = Path.Combine(root, "images"),
            csv = WriteCsv(root);
        GenerationJob.Run(Request(csv, output) with { Limit = 1 }, pipeline: models.Pipeline);
        var e = Assert.Throws<GenerationInputException>(() =>
            GenerationJob.Run(Request(csv, output) with { Steps = 4 }, pipeline: models.Pipeline)
        );
        Assert.Contains("another steps (3; this run: 4)", e.Message);
        e = Assert.Throws<GenerationInputException>(() =>
            GenerationJob.Run(Request(csv, output) with { Scheduler = SchedulerKind.Euler }, pipeline: models.Pipeline)
        );
        Assert.Contains("another scheduler (lms; this run: euler)", e.Message);
        e = Assert.Throws<GenerationInputException>(() =>
            GenerationJob.Run(
                Request(WriteCsv(Path.Combine(root, "other"), Prompts.Replace("a tree", "a bush")), output),
                pipeline: models.Pipeline
            )
        );
        Assert.Contains("another prompts", e.Message);
    }

    [Fact]
    public void ASinglePromptWritesZeroPng()
    {
        string output = models.NewFolder();
        var summary = GenerationJob.Run(
            new GenerationJobRequest
            {
                ModelDirectory = models.V1,
                Prompt = "a cat",
                OutputDirectory = output,
                Steps = 2,
                Seed = 3,
            }
        );
        Assert.Equal(1, summary.Generated);
        Assert.True(File.Exists(Path.Combine(output, "0.png")));
        Assert.True(File.Exists(Path.Combine(output, GenerationSettings.FileName)));
        Assert.Equal(64, GenerationManifest.ReadFolder(output).Single().Width); // the model's native size
    }

    [Theory]
    [InlineData(null, null, "exactly one")]
    [InlineData("a", "p.csv", "exactly one")]
    public void PromptOrPromptsMustBeGiven(string? prompt, string? csv, string message)
    {
        var e = Assert.Throws<GenerationInputException>(() =>
            GenerationJob.Run(
                new GenerationJobRequest
                {
                    ModelDirectory = models.V1,
                    Prompt = prompt,
                    PromptsCsv = csv,
                    OutputDirectory = models.NewFolder(),
                }
            )
        );
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void OutputInsideTheModelIsRefused()
    {
        var e = Assert.Throws<GenerationInputException>(() =>
            GenerationJob.Run(
                new GenerationJobRequest
                {
                    ModelDirectory = models.V1,
                    Prompt = "a",
                    OutputDirectory = Path.Combine(models.V1, "images"),
                }
            )
        );
        Assert.Contains("overlaps the model folder", e.Message);
        Assert.False(Directory.Exists(Path.Combine(models.V1, "images")));
    }

    [Fact]
    public void SizesThatAreNotMultiplesOfTheVaeFactorAreRefusedBeforeGenerating()
    {
        string root = models.NewFolder(),
            output = Path.Combine(root, "images");
        string csv = WriteCsv(root, "case_number,prompt,sd_image_width,sd_image_height\n1,a,64,64\n2,b,60,64\n");
        var e = Assert.Throws<GenerationInputException>(() =>
            GenerationJob.Run(Request(csv, output), pipeline: models.Pipeline)
        );
        Assert.Contains("line 3 (case 2): image size 60x64 is not a multiple of 8", e.Message);
        Assert.Empty(Directory.GetFiles(output, "*.png"));
    }

    [Fact]
    public void ALineCutShortByACrashIsDroppedBeforeAppending()
    {
        string folder = models.NewFolder();
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "manifest.jsonl");
        File.WriteAllText(path, "{\"file\":\"1.png\"}\n{\"file\":\"2.pn");
        using (var manifest = GenerationManifest.Open(path))
        {
            Assert.Equal("{\"file\":\"1.png\"}\n", File.ReadAllText(path));
        }
    }
}
