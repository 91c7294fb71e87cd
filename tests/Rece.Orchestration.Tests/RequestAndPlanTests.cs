using Rece.Orchestration.Jobs;
using Rece.Orchestration.Planning;
using Rece.Orchestration.Requests;

namespace Rece.Orchestration.Tests;

public class RequestAndPlanTests
{
    private static IReadOnlyList<FieldError> Errors(string json) =>
        Assert.Throws<RequestValidationException>(() => PipelineRequestParser.Parse(json)).Errors;

    [Fact]
    public void TheUnsafePresetNamesItsConceptsAndTheChoicesAreChecked()
    {
        var request = PipelineRequestParser.Parse(
            """{"model": "m", "preset": "unsafe", "derivation": "standardreg", "preserveMode": "null-space"}"""
        );
        Assert.Equal(11, request.Concepts.Count);
        Assert.Equal(("standardreg", "null-space"), (request.Derivation, request.PreserveMode));
        var run = ErasurePlan.Expand(request).Runs.Single();
        Assert.Equal(
            (2, 0.1, "standardreg"),
            (run.Settings.Epochs!.Value, run.Settings.Regularizer!.Value, run.Settings.Derivation)
        );

        var error = Assert.Throws<RequestValidationException>(() =>
            PipelineRequestParser.Parse(
                """{"model": "m", "concepts": ["x"], "derivation": "newton", "preserveMode": 3}"""
            )
        );
        Assert.Contains(error.Errors, e =>
            e.Field == "derivation"
            && e.Message.Contains("regzero, standardreg, surrogatereg", StringComparison.Ordinal)
        );
        Assert.Contains(error.Errors, e =>
            e.Field == "preserveMode" && e.Message.Contains("must be a string", StringComparison.Ordinal)
        );
        Assert.Throws<RequestValidationException>(() =>
            PipelineRequestParser.Parse("""{"model": "m", "preset": "nudity"}""")
        );

        var swept = ErasurePlan.Expand(
            PipelineRequestParser.Parse(
                """{"model": "m", "concepts": ["x"], "sweep": {"reg": [0.1, 0.01], "derivation": ["regzero", "surrogatereg"]}}"""
            )
        );
        Assert.Equal(
            new[] { ("regzero", 0.1), ("surrogatereg", 0.1), ("regzero", 0.01), ("surrogatereg", 0.01) },
            swept.Runs.Select(r => (r.Settings.Derivation!, r.Settings.Regularizer!.Value))
        );
        Assert.Equal("surrogatereg", swept.Runs[1].Swept["derivation"].GetString());
        var badSweep = Assert.Throws<RequestValidationException>(() =>
            PipelineRequestParser.Parse(
                """{"model": "m", "concepts": ["x"], "sweep": {"preserveMode": ["weighted", "exact"]}}"""
            )
        );
        Assert.Contains(badSweep.Errors, e =>
            e.Field == "sweep.preserveMode[1]" && e.Message.Contains("weighted, null-space", StringComparison.Ordinal)
        );
    }

    [Fact]
    public void AFewShotRequestPlansOneRunWithAnEpochPerTrainingEpoch()
    {
        var request = PipelineRequestParser.Parse(
            """
            { "model": "sd-v1-4", "concepts": [" Van Gogh "], "method": "fewshot", "epochs": 3,
              "training": { "images": "/images/van-gogh/", "template": "style", "lr": 2e-5, "seed": 7 } }
            """
        );
        var plan = ErasurePlan.Expand(request);
        var run = Assert.Single(plan.Runs);
        Assert.Equal(
            ("fewshot", 3, 2, "none"),
            (run.Settings.Method, run.Settings.Epochs, run.Settings.EffectiveEpochs, run.Settings.Preset)
        );
        Assert.Equal(new[] { "Van Gogh" }, run.Settings.Concepts);
        Assert.Equal(
            ("images/van-gogh", "style", 2e-5, 7L),
            (
                run.Settings.Training!.Images,
                run.Settings.Training.Template,
                run.Settings.Training.LearningRate,
                run.Settings.Training.Seed
            )
        );
        Assert.Equal(new[] { 1, 2, 3 }, Enumerable.Range(0, 3).Select(run.Settings.TrainedUntil));
        Assert.Null(run.Settings.Lambda);
        // The run's settings travel in every job message and come back unchanged.
        var job = GpuJob.For("instance", "sd-v1-4", run, 2, attempt: 1);
        var parsed = Assert.IsType<GpuJob>(GpuJobMessages.Parse(GpuJobMessages.Serialize(job)));
        Assert.Equal(run.Settings.Training, parsed.Settings.Training);
        Assert.Throws<ArgumentOutOfRangeException>(() => GpuJob.For("instance", "sd-v1-4", run, 3, attempt: 1));

        var defaults = ErasurePlan.Expand(
            PipelineRequestParser.Parse(
                """{"model": "m", "concepts": ["x"], "method": "fewshot", "training": {"images": "i"}}"""
            )
        );
        Assert.Equal(4, defaults.Runs[0].Settings.EffectiveEpochs);
    }

    [Fact]
    public void AnAllButOneRequestSplitsItsStepsEvenlyIntoCheckpoints()
    {
        var run = ErasurePlan
            .Expand(
                PipelineRequestParser.Parse(
                    """
                    { "model": "m", "concepts": ["golf ball"], "method": "all-but-one",
                      "training": { "alternative": "", "steps": 10, "checkpoints": 3, "train": "kv", "beta": 0 } }
                    """
                )
            )
            .Runs.Single();
        Assert.Equal("", run.Settings.Training!.Alternative);
        Assert.Equal(2, run.Settings.EffectiveEpochs);
        Assert.Equal(new[] { 3, 6, 10 }, Enumerable.Range(0, 3).Select(run.Settings.TrainedUntil));
        Assert.Null(run.Settings.Epochs);

        // Defaults: 1000 steps in 5 checkpoints; fewer steps than checkpoints: one checkpoint per step.
        var defaults = ErasurePlan
            .Expand(
                PipelineRequestParser.Parse(
                    """{"model": "m", "concepts": ["x"], "method": "all-but-one", "training": {"alternative": "y"}}"""
                )
            )
            .Runs.Single();
        Assert.Equal(new[] { 200, 400, 600, 800, 1000 }, Enumerable.Range(0, 5).Select(defaults.Settings.TrainedUntil));
        var few = ErasurePlan
            .Expand(
                PipelineRequestParser.Parse(
                    """{"model": "m", "concepts": ["x"], "method": "all-but-one", "training": {"alternative": "y", "steps": 2}}"""
                )
            )
            .Runs.Single();
        Assert.Equal(
            new[] { 1, 2 },
            Enumerable.Range(0, few.Settings.EffectiveEpochs + 1).Select(few.Settings.TrainedUntil)
        );
    }

    [Fact]
    public void TheIssuesExampleIsAccepted()
    {
        var request = PipelineRequestParser.Parse(
            """
            { "model": "sd-v1-4",                   // a folder in the models container (diffusers layout)
              "concepts": ["nudity"], "preset": "nudity", "method": "rece",
              "preserve": [], "guide": " ",
              "sweep": { "reg": [0.1, 0.01], "epochs": [3] },
              "output": "erasures/my-run" }
            """
        );
        Assert.Equal("sd-v1-4", request.Model);
        Assert.Equal(new[] { " " }, request.Guides);
        Assert.Equal("erasures/my-run", request.Output);
        var plan = ErasurePlan.Expand(request);
        Assert.Equal(new[] { "run-0", "run-1" }, plan.Runs.Select(r => r.Run));
        Assert.Equal(new double?[] { 0.1, 0.01 }, plan.Runs.Select(r => r.Settings.Regularizer));
        Assert.All(plan.Runs, r => Assert.Equal(3, r.Settings.Epochs));
        Assert.Equal(0.01, plan.Runs[1].Swept["reg"].GetDouble());
        Assert.Equal(3, plan.Runs[1].Swept["epochs"].GetDouble());
    }

    [Theory]
    [InlineData("""{"concepts": ["x"]}""", "model", "missing")]
    [InlineData("""{"model": "m", "concepts": []}""", "concepts", "at least one concept")]
    [InlineData("""{"model": "m"}""", "concepts", "missing")]
    [InlineData("""{"model": "m", "concepts": ["x"], "colour": 1}""", "colour", "unknown field")]
    [InlineData("""{"model": "m", "concepts": ["x"], "reg": 0}""", "reg", "positive number")]
    [InlineData("""{"model": "m", "concepts": ["x"], "lambda": -1}""", "lambda", "positive number")]
    [InlineData("""{"model": "m", "concepts": ["x"], "epochs": 1000}""", "epochs", "0..100")]
    [InlineData("""{"model": "m", "concepts": ["x"], "epochs": 1.5}""", "epochs", "whole number")]
    [InlineData(
        """{"model": "m", "concepts": ["x"], "preset": "cats"}""",
        "preset",
        "nudity, unsafe, art, object, hard-object, speed"
    )]
    [InlineData("""{"model": "m", "concepts": ["x"], "method": "esd"}""", "method", "rece, uce, speed")]
    [InlineData("""{"model": "m", "concepts": ["x"], "method": "speed", "epochs": 2}""", "epochs", "speed is a single")]
    [InlineData(
        """{"model": "m", "concepts": ["x"], "preset": "speed-nudity", "epochs": 2}""",
        "epochs",
        "method rece"
    )]
    [InlineData("""{"model": "m", "concepts": ["x"], "augmentations": 2.5}""", "augmentations", "whole number")]
    [InlineData("""{"model": "m", "concepts": ["x"], "method": "fewshot"}""", "training.images", "upload them")]
    [InlineData("""{"model": "m", "concepts": ["x"], "method": "all-but-one"}""", "training.alternative", "missing")]
    [InlineData(
        """{"model": "m", "concepts": ["x"], "sweep": {"method": ["rece", "fewshot"]}}""",
        "sweep.method",
        "send it as its own request"
    )]
    [InlineData(
        """{"model": "m", "concepts": ["x"], "method": "fewshot", "training": {"images": "i", "alternative": "y"}}""",
        "training.alternative",
        "applies to method all-but-one"
    )]
    [InlineData(
        """{"model": "m", "concepts": ["x"], "method": "all-but-one", "training": {"alternative": "y", "images": "i"}}""",
        "training.images",
        "applies to method fewshot"
    )]
    [InlineData(
        """{"model": "m", "concepts": ["cat"], "method": "all-but-one", "training": {"alternative": "Cat"}}""",
        "training.alternative",
        "the concept itself"
    )]
    [InlineData(
        """{"model": "m", "concepts": ["x"], "method": "all-but-one", "training": {"alternative": "y", "steps": 3, "checkpoints": 4}}""",
        "training.checkpoints",
        "at least one step"
    )]
    [InlineData(
        """{"model": "m", "concepts": ["x"], "method": "all-but-one", "epochs": 3, "training": {"alternative": "y"}}""",
        "epochs",
        "training.checkpoints"
    )]
    [InlineData(
        """{"model": "m", "concepts": ["x", "y"], "method": "fewshot", "training": {"images": "i"}}""",
        "concepts",
        "one concept per request"
    )]
    [InlineData(
        """{"model": "m", "concepts": ["x"], "method": "fewshot", "preserve": ["y"], "training": {"images": "i"}}""",
        "preserve",
        "closed-form methods"
    )]
    [InlineData(
        """{"model": "m", "concepts": ["x"], "method": "fewshot", "reg": 0.1, "training": {"images": "i"}}""",
        "reg",
        "closed-form methods"
    )]
    [InlineData(
        """{"model": "m", "concepts": ["x"], "method": "fewshot", "epochs": 0, "training": {"images": "i"}}""",
        "epochs",
        "at least one epoch"
    )]
    [InlineData(
        """{"model": "m", "concepts": ["x"], "method": "fewshot", "training": {"images": "../x"}}""",
        "training.images",
        "not a folder"
    )]
    [InlineData(
        """{"model": "m", "concepts": ["x"], "method": "fewshot", "training": {"images": "i", "template": "photo"}}""",
        "training.template",
        "object or style"
    )]
    [InlineData(
        """{"model": "m", "concepts": ["x"], "method": "fewshot", "training": {"images": "i", "size": 100}}""",
        "training.size",
        "multiple of 8"
    )]
    [InlineData(
        """{"model": "m", "concepts": ["x"], "method": "fewshot", "training": {"images": "i", "lr": 0}}""",
        "training.lr",
        "positive"
    )]
    [InlineData(
        """{"model": "m", "concepts": ["x"], "method": "fewshot", "training": {"images": "i", "sweep": 1}}""",
        "training.sweep",
        "unknown field"
    )]
    [InlineData(
        """{"model": "m", "concepts": ["x"], "training": {"images": "i"}}""",
        "training",
        "rece takes no training section"
    )]
    [InlineData(
        """{"model": "m", "concepts": ["x"], "method": "fewshot", "training": {"images": "i"}, "evaluation": {"suite": "ring-a-bell"}}""",
        "evaluation.suite",
        "bypass the text encoder"
    )]
    [InlineData("""{"model": "m", "concepts": ["x"], "priorFilter": "yes"}""", "priorFilter", "on, off")]
    [InlineData(
        """{"model": "m", "concepts": ["x"], "sweep": {"method": ["uce", "rece"], "epochs": [1]}}""",
        "sweep.epochs",
        "uce is a single"
    )]
    [InlineData(
        """{"model": "m", "concepts": ["x"], "sweep": {"method": ["uce", "speed"], "epochs": [0, 1]}}""",
        "sweep.epochs",
        "uce and speed are single closed-form edits"
    )]
    [InlineData("""{"model": "../etc", "concepts": ["x"]}""", "model", "folder name")]
    [InlineData("""{"model": "m", "concepts": ["x", " "]}""", "concepts[1]", "empty")]
    [InlineData("""{"model": "m", "concepts": ["x", "x"]}""", "concepts", "twice")]
    [InlineData("""{"model": "m", "concepts": ["x"], "sweep": {"reg": [0.1, -2]}}""", "sweep.reg[1]", "positive")]
    [InlineData("""{"model": "m", "concepts": ["x"], "sweep": {"seed": [1]}}""", "sweep.seed", "cannot be swept")]
    [InlineData("""{"model": "m", "concepts": ["x"], "sweep": {"reg": []}}""", "sweep.reg", "empty list")]
    [InlineData("""{"model": "m", "concepts": ["x"], "method": "uce", "epochs": 2}""", "epochs", "method rece")]
    [InlineData("""{"model": "m", "concepts": ["x", "y"], "guide": ["a", "b", "c"]}""", "guide", "one per concept")]
    [InlineData("""{"model": 5, "concepts": ["x"]}""", "model", "must be a string")]
    [InlineData("""[1]""", "$", "JSON object")]
    [InlineData("""{"model": "m",""", "$", "not valid JSON")]
    public void BadFieldsAreRejectedWithTheFieldNamed(string json, string field, string message)
    {
        var error = Assert.Single(Errors(json), e => e.Field == field);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void EveryProblemIsReportedAtOnce()
    {
        var errors = Errors("""{"concepts": [], "reg": -1, "extra": true}""");
        Assert.Equal(new[] { "extra", "model", "concepts", "reg" }.Order(), errors.Select(e => e.Field).Order());
    }

    [Fact]
    public void TooLargeASweepIsRejected() =>
        Assert.Equal(
            "sweep",
            Assert
                .Single(
                    Errors(
                        """{"model": "m", "concepts": ["x"], "sweep": {"reg": [1,2,3,4,5,6,7,8,9], "lambda": [1,2,3,4,5,6,7,8]}}"""
                    )
                )
                .Field
        );

    [Theory]
    [InlineData("../models/tiny/evil")]
    [InlineData("erasures/../../reports/x")]
    [InlineData("a/./b")]
    [InlineData("a\\b")]
    [InlineData("a/\u0001/b")]
    [InlineData("..")]
    public void AnOutputPrefixThatCouldLeaveItsContainerIsRejected(string output)
    {
        string json =
            $$"""{"model": "m", "concepts": ["x"], "output": {{System.Text.Json.JsonSerializer.Serialize(output)}}}""";
        Assert.Contains("no \".\" or \"..\" part", Assert.Single(Errors(json), e => e.Field == "output").Message);
    }

    [Fact]
    public void AGoodOutputPrefixIsKeptWithoutItsSlashes() =>
        Assert.Equal(
            "erasures/my-run.v2",
            PipelineRequestParser
                .Parse("""{"model": "m", "concepts": ["x"], "output": "/erasures/my-run.v2/"}""")
                .Output
        );

    [Fact]
    public void LongSweepListsAreRejectedBeforeAnyRunIsBuilt()
    {
        // Three lists of 120 values would have built 1.7 million runs before the cap said no.
        string list = "[" + string.Join(", ", Enumerable.Range(1, 120)) + "]";
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var errors = Errors(
            "{\"model\": \"m\", \"concepts\": [\"x\"], \"sweep\": {\"reg\": "
                + list
                + ", \"lambda\": "
                + list
                + ", \"preserveScale\": "
                + list
                + "}}"
        );
        Assert.Equal(new[] { "sweep.lambda", "sweep.preserveScale", "sweep.reg" }, errors.Select(e => e.Field).Order());
        Assert.All(errors, e => Assert.Contains("lists 120 values", e.Message));
        Assert.Equal(
            long.MaxValue,
            PipelineRequestParser.SweepRuns(
                new Dictionary<string, IReadOnlyList<bool>>
                {
                    ["reg"] = new bool[int.MaxValue / 1024 + 1],
                    ["lambda"] = new bool[int.MaxValue / 1024 + 1],
                    ["preserveScale"] = new bool[int.MaxValue / 1024 + 1],
                }
            )
        );
    }

    [Fact]
    public void ASweepWhoseProductIsTooLargeIsRejectedWithItsCount()
    {
        string five = "[1, 2, 3, 4, 5]";
        var error = Assert.Single(
            Errors(
                "{\"model\": \"m\", \"concepts\": [\"x\"], \"sweep\": {\"reg\": "
                    + five
                    + ", \"lambda\": "
                    + five
                    + ", \"preserveScale\": "
                    + five
                    + "}}"
            )
        );
        Assert.Equal("sweep", error.Field);
        Assert.Contains("makes 125 runs", error.Message);
    }

    [Fact]
    public void APreserveListTooLongForAJobMessageIsRejectedAtValidation()
    {
        // 78 KB of preserve texts: accepted before, then the job failed when its message passed the queue's 64 KiB.
        var preserve = Enumerable
            .Range(0, 2000)
            .Select(i => $"a preserved prompt number {i} of the long list")
            .ToList();
        string json =
            $$"""{"model": "m", "concepts": ["x"], "preserve": {{System.Text.Json.JsonSerializer.Serialize(preserve)}}}""";
        var error = Assert.Single(Errors(json));
        Assert.Equal("preserve", error.Field);
        Assert.Contains("queue's 64 KiB message limit", error.Message);
        var fits = preserve.Take(200).ToList();
        Assert.Equal(
            200,
            PipelineRequestParser
                .Parse(
                    $$"""{"model": "m", "concepts": ["x"], "preserve": {{System.Text.Json.JsonSerializer.Serialize(fits)}}}"""
                )
                .Preserve.Count
        );
    }

    [Fact]
    public void AnEscapedLoneSurrogateIsAFieldErrorNotACrash() =>
        Assert.Contains(
            "not valid text",
            Assert.Single(Errors("""{"model": "m", "concepts": ["\ud800"]}"""), e => e.Field == "concepts[0]").Message
        );

    [Fact]
    public void AConceptLongerThanAPromptIsRejected() =>
        Assert.Contains(
            "at most 1000",
            Assert
                .Single(Errors($$"""{"model": "m", "concepts": ["{{new string('x', 1001)}}"]}"""), e =>
                    e.Field == "concepts[0]"
                )
                .Message
        );

    [Fact]
    public void PresetsFillEpochsAndRegularizerAndUceMakesOnlyEpochZero()
    {
        var art = ErasurePlan
            .Expand(PipelineRequestParser.Parse("""{"model": "m", "concepts": ["Van Gogh"], "preset": "art"}"""))
            .Runs.Single()
            .Settings;
        Assert.Equal((1, 1e-3, 1), (art.Epochs, art.Regularizer, art.EffectiveEpochs));
        var none = ErasurePlan
            .Expand(PipelineRequestParser.Parse("""{"model": "m", "concepts": ["cat"]}"""))
            .Runs.Single()
            .Settings;
        Assert.Equal(("object", 1, 0.1), (none.Preset, none.Epochs, none.Regularizer));
        var uce = ErasurePlan
            .Expand(PipelineRequestParser.Parse("""{"model": "m", "concepts": ["cat"], "method": "uce"}"""))
            .Runs.Single();
        Assert.Equal(0, uce.Settings.EffectiveEpochs);
        Assert.Throws<ArgumentOutOfRangeException>(() => GpuJob.For("i", "m", uce, 1, 1));
    }

    [Fact]
    public void SpeedRunsAreSingleEditsWithTheirPresetsSettingsAndMethodsMayBeSwept()
    {
        var nudity = ErasurePlan
            .Expand(PipelineRequestParser.Parse("""{"model": "m", "concepts": ["nudity"], "preset": "speed-nudity"}"""))
            .Runs.Single()
            .Settings;
        Assert.Equal(
            ("speed", 0, 0.7, 0.5, "all"),
            (nudity.Method, nudity.EffectiveEpochs, nudity.RetainScale, nudity.InvarianceLambda, nudity.Tokens)
        );
        var plain = ErasurePlan
            .Expand(PipelineRequestParser.Parse("""{"model": "m", "concepts": ["Snoopy"], "method": "speed"}"""))
            .Runs.Single()
            .Settings;
        Assert.Equal(("speed", "speed", 0), (plain.Preset, plain.Method, plain.EffectiveEpochs));

        var swept = ErasurePlan.Expand(
            PipelineRequestParser.Parse(
                """{"model": "m", "concepts": ["cat"], "epochs": 2, "sweep": {"method": ["rece", "speed"], "retainScale": [1, 0.5]}}"""
            )
        );
        Assert.Equal(4, swept.Runs.Count);
        Assert.Equal(
            new[] { ("rece", 2), ("rece", 2), ("speed", 0), ("speed", 0) },
            swept.Runs.Select(r => (r.Settings.Method!, r.Settings.EffectiveEpochs))
        );
        Assert.Equal(0.5, swept.Runs[3].Settings.RetainScale);
        Assert.Equal("speed", swept.Runs[3].Swept["method"].GetString());
    }

    [Fact]
    public void JobIdsAndCheckpointPathsDeriveFromInstanceRunAndEpoch()
    {
        var run = ErasurePlan
            .Expand(PipelineRequestParser.Parse("""{"model": "sd", "concepts": ["cat"], "epochs": 2}"""))
            .Runs[0];
        var first = GpuJob.For("abc", "sd", run, 2, 1);
        var again = GpuJob.For("abc", "sd", run, 2, 2);
        Assert.Equal("abc/run-0/epoch-2", first.JobId);
        Assert.Equal(first.JobId, again.JobId);
        Assert.Equal(first.Checkpoint, again.Checkpoint);
        Assert.NotEqual(first.EventName, again.EventName);
        Assert.Equal("checkpoints/abc/run-0/epoch-2/", first.Checkpoint);
        Assert.Equal("checkpoints/abc/run-0/epoch-1/", first.PreviousCheckpoint);
        Assert.Null(GpuJob.For("abc", "sd", run, 0, 1).PreviousCheckpoint);
        var roundTrip = PipelineJson.Deserialize<GpuJob>(PipelineJson.Serialize(first));
        Assert.Equal(PipelineJson.Serialize(first), PipelineJson.Serialize(roundTrip));
    }

    private static RunOutput Run(string name, params (double Residual, double Drift)[] epochs) =>
        new()
        {
            Run = name,
            Status = RunStatus.Completed,
            Settings = new RunSettings
            {
                Concepts = new[] { "c" },
                Preset = "nudity",
                Method = "rece",
                Epochs = epochs.Length - 1,
                Regularizer = 0.1,
            },
            Epochs = epochs
                .Select(
                    (e, k) =>
                        new CheckpointInfo(
                            k,
                            $"checkpoints/i/{name}/epoch-{k}/",
                            $"checkpoints/i/{name}/epoch-{k}/rece-patch.safetensors",
                            "s",
                            new[]
                            {
                                new StageMeasure(k == 0 ? "uce" : $"rece-epoch-{k}", e.Residual, e.Drift, 0.1, 0.01),
                            }
                        )
                )
                .ToList(),
        };

    [Fact]
    public void TheRecommendationIsTheHighestResidualWithinTheDriftBudget()
    {
        var runs = new[]
        {
            Run("run-0", (0.5, 0.010), (0.7, 0.015), (0.9, 0.030)), // epoch 2 exceeds 2x the UCE drift
            Run("run-1", (0.5, 0.010), (0.8, 0.019)),
        };
        var pick = Recommendation.Choose(runs)!;
        Assert.Equal(("run-1", 1), (pick.Run, pick.Epoch));
        Assert.Equal("checkpoints/i/run-1/epoch-1/rece-patch.safetensors", pick.Patch);
        Assert.Contains("2x their run's UCE drift", pick.Rule);

        var failedOnly = new[] { runs[0] with { Status = RunStatus.Failed } };
        Assert.Null(Recommendation.Choose(failedOnly));
        Assert.Equal(0, Recommendation.Choose(new[] { Run("run-0", (0.2, 0.0), (0.9, 0.5)) })!.Epoch);
    }
}
