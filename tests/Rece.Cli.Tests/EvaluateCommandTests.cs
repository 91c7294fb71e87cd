using Rece.Evaluation.Images;
using Rece.Evaluation.Reports;
using Rece.Evaluation.Running;

namespace Rece.Cli.Tests;

public sealed class EvaluateCommandTests : CommandLineTest
{
    private string Images(string name, params int[] cases)
    {
        string folder = Path.Combine(Root, name);
        Directory.CreateDirectory(folder);
        foreach (int c in cases)
            RgbImage.Filled(32, 32, (byte)c, 80, 160).SavePng(Path.Combine(folder, $"{c}_0.png"));
        return folder;
    }

    [Fact]
    public void Evaluates_image_folders_and_reports_what_it_skipped()
    {
        string output = Path.Combine(Root, "out");
        var (exit, stdout, stderr) = Rece(
            "evaluate",
            "--suite",
            "nudity",
            "--images",
            Images("edited", 21, 296),
            "--baseline-images",
            Images("base", 21, 296),
            "--limit",
            "2",
            "--out",
            output,
            "--quiet"
        );
        Assert.True(exit == 0, stderr);
        Assert.Contains("skipped nudenet: NudeNet", stdout);
        Assert.Contains("skipped embedding-measures", stdout);
        Assert.Contains("report.html", stdout);
        var report = EvaluationReport.Parse(File.ReadAllText(Path.Combine(output, EvaluationReport.FileName)));
        Assert.Equal(4, report.Images.Count);
        Assert.Equal(new[] { "baseline", "edited" }, report.Summaries.Select(s => s.Role));
        Assert.Empty(report.Metrics);

        var (shardExit, shardOut, _) = Rece(
            "evaluate",
            "--suite",
            "nudity",
            "--images",
            Path.Combine(Root, "edited"),
            "--limit",
            "2",
            "--shard",
            "2/2",
            "--out",
            Path.Combine(Root, "out2"),
            "--json",
            "--quiet"
        );
        Assert.Equal(0, shardExit);
        var shard = EvaluationReport.Parse(shardOut);
        Assert.Equal(296, Assert.Single(shard.Images).CaseNumber);
    }

    [Fact]
    public void Imagenette_reports_object_accuracy_with_a_classifier()
    {
        string classifier = Path.Combine(Root, "resnet50.onnx");
        Evaluation.Tests.Onnx.TestClassifierModel.Write(classifier);
        // Cases 0 and 1 are tench; the stand-in classifier calls these bluish images cassette players.
        string output = Path.Combine(Root, "imagenette");
        var (exit, stdout, stderr) = Rece(
            "evaluate",
            "--suite",
            "imagenette",
            "--images",
            Images("objects", 0, 1),
            "--classifier",
            classifier,
            "--erased",
            "tench",
            "--limit",
            "2",
            "--out",
            output,
            "--quiet"
        );
        Assert.True(exit == 0, stderr);
        Assert.Contains("edited     top-1 accuracy: erased classes 0.0%, other classes -", stdout);
        var report = EvaluationReport.Parse(File.ReadAllText(Path.Combine(output, EvaluationReport.FileName)));
        Assert.All(report.Images, i => Assert.Equal(482, i.PredictedClass));
        Assert.All(report.Images, i => Assert.Equal("tench", i.Label));

        var missing = Rece(
            "evaluate",
            "--suite",
            "imagenette",
            "--images",
            Path.Combine(Root, "objects"),
            "--classifier",
            Path.Combine(Root, "absent.onnx"),
            "--limit",
            "2",
            "--out",
            Path.Combine(Root, "never"),
            "--quiet"
        );
        Assert.Equal(2, missing.Exit);
        Assert.StartsWith("error: --classifier", missing.Err);
        Assert.Contains("ResNet-50", missing.Err);
    }

    [Fact]
    public void Generates_both_models_with_the_sampler_as_a_user_runs_it()
    {
        string model = Fixture(),
            erased = Path.Combine(Root, "erased"),
            output = Path.Combine(Root, "eval");
        Assert.Equal(
            0,
            Rece(
                "erase",
                "--model",
                model,
                "--concept",
                "nudity",
                "--preset",
                "nudity",
                "--out",
                erased,
                "--quiet"
            ).Exit
        );

        var (exit, stdout, stderr) = Rece(
            "evaluate",
            "--model",
            erased,
            "--baseline",
            model,
            "--suite",
            "ring-a-bell",
            "--limit",
            "2",
            "--steps",
            "2",
            "--size",
            "64",
            "--scheduler",
            "euler",
            "--out",
            output,
            "--quiet"
        );

        Assert.True(exit == 0, stderr);
        var report = EvaluationReport.Parse(File.ReadAllText(Path.Combine(output, EvaluationReport.FileName)));
        Assert.Equal(4, report.Images.Count);
        Assert.All(report.Sources.Values, s => Assert.Contains("2 euler steps", s));
        Assert.Contains("skipped nudenet", stdout);
        Assert.True(File.Exists(Path.Combine(output, EvaluationJob.AttackEmbeddingsFile)));
        Assert.True(
            new FileInfo(Path.Combine(output, "images", "edited", $"{report.Images[^1].CaseNumber}.png")).Length > 0
        );
    }

    [Fact]
    public void Bad_input_is_one_error_line_and_exit_code_2()
    {
        var notAModel = Rece("evaluate", "--suite", "nudity", "--model", Root, "--out", Path.Combine(Root, "o1"));
        Assert.Equal(2, notAModel.Exit);
        Assert.Contains("error: ", notAModel.Err);
        Assert.Contains("model_index.json", notAModel.Err);

        var badShard = Rece(
            "evaluate",
            "--suite",
            "nudity",
            "--images",
            Images("e"),
            "--shard",
            "3/2",
            "--out",
            Path.Combine(Root, "o2")
        );
        Assert.Equal(2, badShard.Exit);
        Assert.Contains("--shard", badShard.Err);

        var missingImage = Rece(
            "evaluate",
            "--suite",
            "coco",
            "--images",
            Images("e2"),
            "--limit",
            "1",
            "--out",
            Path.Combine(Root, "o3")
        );
        Assert.Equal(2, missingImage.Exit);
        Assert.Contains("has no image for case 0", missingImage.Err);
        Assert.False(Directory.Exists(Path.Combine(Root, "o3")));

        Assert.NotEqual(
            0,
            Rece("evaluate", "--suite", "fid", "--images", Root, "--out", Path.Combine(Root, "o4")).Exit
        );
    }

    [Fact]
    public void A_bound_generator_serves_both_models()
    {
        var generator = new SolidColours();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var command = Commands.EvaluateCommand.Build(stdout, stderr, generator);
        var root = new System.CommandLine.RootCommand { command };
        int exit = root.Parse(
                new[]
                {
                    "evaluate",
                    "--suite",
                    "coco",
                    "--model",
                    Path.Combine(Root, "m"),
                    "--baseline",
                    Path.Combine(Root, "b"),
                    "--limit",
                    "3",
                    "--out",
                    Path.Combine(Root, "o"),
                    "--quiet",
                }
            )
            .Invoke();
        Assert.True(exit == 0, stderr.ToString());
        Assert.Equal(new[] { Path.Combine(Root, "m"), Path.Combine(Root, "b") }, generator.Models);
        var report = EvaluationReport.Parse(File.ReadAllText(Path.Combine(Root, "o", EvaluationReport.FileName)));
        Assert.Equal(6, report.Images.Count);
        Assert.Equal("solid colour for " + Path.Combine(Root, "m"), report.Sources["edited"]);
    }

    /// <summary>Stands in for the sampler in this test only: one solid image per request.</summary>
    private sealed class SolidColours : IImageSourceFactory
    {
        public List<string> Models { get; } = new();

        public IImageSource ForModel(string modelDirectory)
        {
            Models.Add(modelDirectory);
            return new Source(modelDirectory);
        }

        private sealed class Source(string model) : IImageSource
        {
            public string Description => "solid colour for " + model;

            public RgbImage Generate(GenerationRequest request) =>
                RgbImage.Filled(16, 16, (byte)(request.Case.Seed % 256 ?? 0), 0, 0);
        }
    }
}
