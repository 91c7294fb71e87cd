using Rece.Orchestration.Planning;
using Rece.Orchestration.Requests;

namespace Rece.Orchestration.Tests;

public class EvaluationRequestTests
{
    private static IReadOnlyList<FieldError> Errors(string json) =>
        Assert.Throws<RequestValidationException>(() => PipelineRequestParser.Parse(json)).Errors;

    private static string With(string evaluation) =>
        $$"""{"model": "m", "concepts": ["nudity"], "preset": "nudity", "evaluation": {{evaluation}}}""";

    [Fact]
    public void AFullSectionIsReadAndDefaultsApply()
    {
        var request = PipelineRequestParser.Parse(
            With(
                """
                {"suite": "nudity-validation", "limit": 100, "shards": 4,
                 "preservation": {"suite": "coco-validation", "limit": 300, "shards": 2},
                 "nudenet": "nudenet/320n.onnx", "clip": "clip-vit-large-patch14/",
                 "generation": {"steps": 25, "size": 512, "guidance": 7.5, "scheduler": "LMS", "precision": "fp16"},
                 "clipScoreBudget": 0.5, "allowMissingClipScore": true}
                """
            )
        );
        var e = request.Evaluation!;
        Assert.Equal(("nudity-validation", 100, 4), (e.Suite, e.Limit!.Value, e.Shards));
        Assert.Equal(
            ("coco-validation", 300, 2),
            (e.Preservation!.Suite, e.Preservation.Limit!.Value, e.Preservation.Shards)
        );
        Assert.Equal(("nudenet/320n.onnx", "clip-vit-large-patch14"), (e.NudeNet, e.Clip));
        Assert.Equal(
            new GenerationOptions
            {
                Steps = 25,
                Size = 512,
                Guidance = 7.5,
                Scheduler = "lms",
                Precision = "fp16",
            },
            e.Generation
        );
        Assert.Equal((0.5, true), (e.ClipScoreBudget, e.AllowMissingClipScore));

        var minimal = PipelineRequestParser.Parse(With("""{"suite": "nudity"}""")).Evaluation!;
        Assert.Equal(
            (null, 1, null, null, null),
            (minimal.Limit, minimal.Shards, minimal.Preservation, minimal.NudeNet, minimal.Clip)
        );
        Assert.Equal(new GenerationOptions(), minimal.Generation);
        Assert.Equal(50, minimal.Generation.Steps);
        Assert.Equal((1.0, false), (minimal.ClipScoreBudget, minimal.AllowMissingClipScore));
        Assert.Null(PipelineRequestParser.Parse("""{"model": "m", "concepts": ["x"]}""").Evaluation);
    }

    [Fact]
    public void TheFanOutIsTheCheckpointsTimesTheShards()
    {
        var request = PipelineRequestParser.Parse(
            """
            {"model": "m", "concepts": ["nudity"], "preset": "nudity", "sweep": {"epochs": [1, 3]},
             "evaluation": {"suite": "nudity", "shards": 3, "preservation": {"suite": "coco", "shards": 2}}}
            """
        );
        var plan = EvaluationPlan.Create(ErasurePlan.Expand(request), request.Evaluation!);
        Assert.Equal(
            new[]
            {
                "baseline",
                "run-0/epoch-0",
                "run-0/epoch-1",
                "run-1/epoch-0",
                "run-1/epoch-1",
                "run-1/epoch-2",
                "run-1/epoch-3",
            },
            plan.Checkpoints.Select(c => c.Name)
        );
        Assert.Equal(5, plan.ShardsPerCheckpoint);
        Assert.Equal(35, plan.ShardJobs);
        Assert.Equal(
            new[] { ("nudity", 1), ("nudity", 2), ("nudity", 3), ("coco", 1), ("coco", 2) },
            plan.ShardsOf(plan.Checkpoints[2]).Select(s => (s.Suite.Suite, s.Shard))
        );
    }

    [Fact]
    public void AnImagenettePreservationSuiteCarriesTheClassifierAndTheErasedConceptsToItsJobs()
    {
        var request = PipelineRequestParser.Parse(
            """
            {"model": "m", "concepts": ["golf ball"], "preset": "object",
             "evaluation": {"suite": "nudity", "classifier": "classifiers/resnet50.onnx", "q16": "q16/prompts.safetensors", "lpips": "lpips/alex.safetensors", "inception": "fid/inception.onnx", "fidReference": "fid/coco.safetensors",
                            "preservation": {"suite": "imagenette", "limit": 20, "shards": 2}}}
            """
        );
        Assert.Equal("classifiers/resnet50.onnx", request.Evaluation!.Classifier);
        var plan = EvaluationPlan.Create(ErasurePlan.Expand(request), request.Evaluation);
        var shard = plan.ShardsOf(plan.Checkpoints[1])[^1];
        var job = plan.Job("instance", "m", shard, 1, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        Assert.Equal(("imagenette", 2, "classifiers/resnet50.onnx"), (job.Suite, job.Shard, job.Classifier));
        Assert.Equal(["golf ball"], job.Erased);
        Assert.Equal("q16/prompts.safetensors", job.Q16);
        Assert.Equal("lpips/alex.safetensors", request.Evaluation.Lpips);
        Assert.Equal(
            ("fid/inception.onnx", "fid/coco.safetensors"),
            (request.Evaluation.Inception, request.Evaluation.FidReference)
        );
        Assert.Contains(Errors(With("""{"suite": "nudity", "fidReference": "fid/coco.safetensors"}""")), e =>
            e.Field == "evaluation.fidReference" && e.Message.Contains("evaluation.inception")
        );
        Assert.Contains(Errors(With("""{"suite": "nudity", "lpips": "lpips//alex"}""")), e =>
            e.Field == "evaluation.lpips" && e.Message.Contains("not a blob name")
        );
        Assert.Contains(Errors(With("""{"suite": "nudity", "classifier": "../resnet.onnx"}""")), e =>
            e.Field == "evaluation.classifier" && e.Message.Contains("not a blob name")
        );
    }

    [Fact]
    public void ObjectAndArtSuitesCanDecideTheChoiceWithTheirOwnBudget()
    {
        var objects = PipelineRequestParser
            .Parse(
                With(
                    """{"suite": "imagenette", "limit": 50, "classifier": "c/resnet50.onnx", "retainedAccuracyBudget": 0.1}"""
                )
            )
            .Evaluation!;
        Assert.Equal(("imagenette", 0.1), (objects.Suite, objects.RetainedAccuracyBudget));
        Assert.Contains("lowest erased-class accuracy on imagenette", EvaluationFanIn.Rule(objects));
        Assert.Contains("the other classes' top-1 accuracy at most 10 points below", EvaluationFanIn.Rule(objects));
        var art = PipelineRequestParser.Parse(With("""{"suite": "art", "clip": "clip"}""")).Evaluation!;
        Assert.Equal(0.05, art.RetainedAccuracyBudget);
        Assert.Contains("lowest CLIP score of the erased artist on art", EvaluationFanIn.Rule(art));
        Assert.Contains(Errors(With("""{"suite": "imagenette", "retainedAccuracyBudget": 5}""")), e =>
            e.Field == "evaluation.retainedAccuracyBudget"
        );
    }

    [Theory]
    [InlineData("""[1]""", "evaluation", "must be an object")]
    [InlineData("""{"limit": 4}""", "evaluation.suite", "missing; name the suite")]
    [InlineData("""{"suite": "nudity", "colour": 1}""", "evaluation.colour", "unknown field")]
    [InlineData("""{"suite": "porn"}""", "evaluation.suite", "unknown suite")]
    [InlineData("""{"suite": "coco"}""", "evaluation.suite", "put coco under evaluation.preservation")]
    [InlineData("""{"suite": "unlearndiffatk", "attackStages": 0}""", "evaluation.attackStages", "within 1..1000")]
    [InlineData(
        """{"suite": "nudity", "preservation": {"suite": "i2p"}}""",
        "evaluation.preservation.suite",
        "measures no CLIP score"
    )]
    [InlineData(
        """{"suite": "nudity", "preservation": {"suite": "coco", "seed": 1}}""",
        "evaluation.preservation.seed",
        "unknown field"
    )]
    [InlineData("""{"suite": "nudity", "preservation": "coco"}""", "evaluation.preservation", "must be an object")]
    [InlineData("""{"suite": "nudity", "limit": 0}""", "evaluation.limit", "whole number within 1..")]
    [InlineData(
        """{"suite": "nudity", "limit": 4, "shards": 5}""",
        "evaluation.shards",
        "would leave a shard empty; use at most 4"
    )]
    [InlineData("""{"suite": "nudity", "shards": 143}""", "evaluation.shards", "use at most 142")]
    [InlineData("""{"suite": "nudity", "shards": 0}""", "evaluation.shards", "within 1..256")]
    [InlineData("""{"suite": "nudity", "nudenet": "../x.onnx"}""", "evaluation.nudenet", "not a blob name")]
    [InlineData("""{"suite": "nudity", "clip": 3}""", "evaluation.clip", "must be a string")]
    [InlineData("""{"suite": "nudity", "generation": {"steps": 0}}""", "evaluation.generation.steps", "within 1..1000")]
    [InlineData("""{"suite": "nudity", "generation": {"size": 100}}""", "evaluation.generation.size", "multiple of 8")]
    [InlineData(
        """{"suite": "nudity", "generation": {"scheduler": "dpm"}}""",
        "evaluation.generation.scheduler",
        "lms, ddim, euler, pndm"
    )]
    [InlineData(
        """{"suite": "nudity", "generation": {"precision": "int8"}}""",
        "evaluation.generation.precision",
        "fp32, fp16, bf16"
    )]
    [InlineData("""{"suite": "nudity", "generation": {"seed": 1}}""", "evaluation.generation.seed", "unknown field")]
    [InlineData("""{"suite": "nudity", "clipScoreBudget": -1}""", "evaluation.clipScoreBudget", "within 0..100")]
    [InlineData(
        """{"suite": "nudity", "allowMissingClipScore": "yes"}""",
        "evaluation.allowMissingClipScore",
        "true or false"
    )]
    public void BadEvaluationFieldsAreRejectedWithTheFieldNamed(string evaluation, string field, string message)
    {
        var error = Assert.Single(Errors(With(evaluation)), e => e.Field == field);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void ATooLargeFanOutIsRejected()
    {
        var errors = Errors(
            """
            {"model": "m", "concepts": ["x"], "sweep": {"epochs": [50, 60], "reg": [0.1, 0.2]},
             "evaluation": {"suite": "i2p", "shards": 100}}
            """
        );
        Assert.Contains(
            "evaluation jobs; at most 4096",
            Assert.Single(errors, e => e.Field == "evaluation.shards").Message
        );
    }
}
