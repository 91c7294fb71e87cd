using Microsoft.DurableTask.Client;
using Rece.Orchestration.Jobs;
using Rece.Orchestration.Requests;

namespace Rece.Orchestration.Tests;

/// <summary>The evaluation fan-out and fan-in decisions, on the Durable Task SDK's in-memory test host.</summary>
public class EvaluationOrchestratorTests
{
    // Two runs of two RECE epochs: 1 baseline + 2 x 3 checkpoints; 2 + 1 shards per checkpoint.
    private const string Sweep = """
        {"model": "m", "concepts": ["nudity"], "preset": "nudity", "epochs": 2, "sweep": {"reg": [0.1, 0.01]},
         "evaluation": {"suite": "nudity", "limit": 4, "shards": 2, "preservation": {"suite": "coco-validation", "limit": 2},
                        "nudenet": "nudenet/320n.onnx", "clip": "clip", "generation": {"steps": 3, "size": 64}}}
        """;

    private static ErasureInput Input(string json, int timeoutSeconds = 30, int attempts = 3) =>
        new()
        {
            Request = PipelineRequestParser.Parse(json),
            Jobs = new GpuJobPolicy { TimeoutSeconds = timeoutSeconds, MaxAttempts = attempts },
        };

    private static async Task<(OrchestrationMetadata Metadata, ErasureOutput? Output)> Run(
        FakeGpu gpu,
        ErasureInput input
    )
    {
        await using var host = await gpu.StartAsync();
        string id = await host.Client.ScheduleNewOrchestrationInstanceAsync(TaskNames.ErasureOrchestrator, input);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var metadata = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);
        var output =
            metadata.RuntimeStatus == OrchestrationRuntimeStatus.Completed
                ? PipelineJson.Deserialize<ErasureOutput>(metadata.SerializedOutput!)
                : null;
        return (metadata, output);
    }

    private static readonly string[] Checkpoints =
    {
        "baseline",
        "run-0/epoch-0",
        "run-0/epoch-1",
        "run-0/epoch-2",
        "run-1/epoch-0",
        "run-1/epoch-1",
        "run-1/epoch-2",
    };

    [Fact]
    public async Task EveryCheckpointIsEvaluatedOncePerShardAndEachRunChoosesFromItsFanIn()
    {
        var gpu = new FakeGpu();
        var (metadata, output) = await Run(gpu, Input(Sweep));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        string id = metadata.InstanceId;
        var shards = gpu.Shards.ToList();
        Assert.Equal(Checkpoints.Length * 3, shards.Count);
        Assert.Equal(shards.Count, shards.Select(s => s.JobId).Distinct().Count());
        var expected = Checkpoints.SelectMany(c =>
            new[] { ("nudity", 1, 2), ("nudity", 2, 2), ("coco-validation", 1, 1) }.Select(s =>
                (c, s.Item1, s.Item2, s.Item3)
            )
        );
        Assert.Equal(expected.Order(), shards.Select(s => (s.Checkpoint, s.Suite, s.Shard, s.Shards)).Order());
        var shard = shards.Single(s => s.Checkpoint == "run-1/epoch-2" && s.Suite == "nudity" && s.Shard == 2);
        Assert.Equal($"{id}/evaluation/run-1/epoch-2/nudity/shard-2", shard.JobId);
        Assert.Equal($"reports/{id}/evaluation/run-1/epoch-2/nudity/shard-2/", shard.Output);
        Assert.Equal($"checkpoints/{id}/run-1/epoch-2/", shard.CheckpointPath);
        Assert.Equal(
            (4, "nudenet/320n.onnx", "clip", 3, 64),
            (shard.Limit!.Value, shard.NudeNet, shard.Clip, shard.Generation.Steps, shard.Generation.Size!.Value)
        );
        Assert.All(shards.Where(s => s.Checkpoint == "baseline"), s => Assert.Null(s.CheckpointPath));
        Assert.Equal(6, gpu.Jobs.Count);

        var fanIns = gpu.FanIns.OrderBy(f => f.Run).ToList();
        Assert.Equal(new[] { "run-0", "run-1" }, fanIns.Select(f => f.Run));
        Assert.All(fanIns, f =>
        {
            Assert.True(f.Choose);
            Assert.Equal(
                ("nudity", "coco-validation", 1.0, false),
                (f.Suite, f.Preservation, f.Rules.ClipScoreBudget, f.Rules.AllowMissingClipScore)
            );
            Assert.Equal("baseline", f.Baseline.Checkpoint);
            Assert.Equal(new[] { 0, 1, 2 }, f.Candidates.Select(c => c.Epoch!.Value));
            Assert.All(f.Candidates, c =>
                Assert.Equal($"checkpoints/{id}/{f.Run}/epoch-{c.Epoch}/rece-patch.safetensors", c.Patch)
            );
            Assert.Equal(new[] { "coco-validation", "nudity" }, f.Candidates[1].Suites);
            Assert.Equal(new Dictionary<string, int> { ["nudity"] = 2, ["coco-validation"] = 1 }, f.Shards);
        });

        foreach (var run in output!.Runs)
        {
            Assert.Equal(RunStatus.Completed, run.Evaluation!.Status);
            Assert.Empty(run.Evaluation.Errors);
            Assert.Equal(2, run.Recommended!.Epoch);
            Assert.Equal($"checkpoints/{id}/{run.Run}/epoch-2/rece-patch.safetensors", run.Recommended.Patch);
            Assert.Equal(new[] { $"fake verdict of {run.Run}/epoch-2" }, run.Recommended.Reasons);
            Assert.Contains("image evaluation", run.Recommended.Rule);
            Assert.Equal($"fake choice: {run.Run}/epoch-2", run.Recommended.Reason);
        }
        // Equal flagged shares: the earlier run wins.
        Assert.Equal(("run-0", 2), (output.Recommended!.Run, output.Recommended.Epoch));
        Assert.StartsWith("run-0/epoch-2: flagged share 20.0 %", output.Recommended.Reason);
        Assert.Equal((21, 0), (output.Evaluation!.ShardsCompleted, output.Evaluation.ShardsFailed));
        var status = PipelineJson.Deserialize<ErasureProgressStatus>(metadata.SerializedCustomStatus!).Evaluation!;
        Assert.Equal(new EvaluationProgress(21, 0, 21, 2, 2), status);
        var report = Assert.Single(gpu.Reports).Report;
        Assert.Equal(PipelineJson.Serialize(output.Recommended), PipelineJson.Serialize(report.Recommended));
        Assert.Equal(PipelineJson.Serialize(output.Runs), PipelineJson.Serialize(report.Runs));
        Assert.NotNull(report.Evaluation);
    }

    [Fact]
    public async Task DuplicateAndLateShardAndFanInResultsChangeNothing()
    {
        var once = new FakeGpu();
        var (first, expected) = await Run(once, Input(Sweep));
        // Every result raised twice; and one shard times out on attempt 1, its late result arriving during attempt 2.
        var twice = new FakeGpu { FanInBehaviour = _ => Reply.SucceedTwice };
        twice.ShardBehaviour = job =>
        {
            if (job.Checkpoint == "run-0/epoch-1" && job.Suite == "nudity" && job.Shard == 1 && job.Attempt == 1)
                return Reply.Drop;
            if (job.Checkpoint == "run-0/epoch-1" && job.Suite == "nudity" && job.Shard == 1 && job.Attempt == 2)
            {
                var late = job with
                {
                    Attempt = 1,
                    EventName = EvaluationShardJob.EventNameOf(job.Checkpoint, job.Suite, job.Shard, 1),
                };
                twice
                    .Client!.RaiseEventAsync(
                        job.InstanceId,
                        late.EventName,
                        EvaluationShardResult.Failure(late, "late failure", "fake")
                    )
                    .GetAwaiter()
                    .GetResult();
            }
            return Reply.SucceedTwice;
        };
        var (metadata, output) = await Run(twice, Input(Sweep, timeoutSeconds: 2));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        var retried = twice
            .Shards.Where(s => s.JobId.EndsWith("/run-0/epoch-1/nudity/shard-1", StringComparison.Ordinal))
            .OrderBy(s => s.Attempt)
            .ToList();
        Assert.Equal(new[] { 1, 2 }, retried.Select(s => s.Attempt));
        Assert.Equal(retried[0].CreatedTime, retried[1].CreatedTime);
        Assert.NotEqual(retried[0].EventName, retried[1].EventName);
        string Normalize(ErasureOutput o, string id) => PipelineJson.Serialize(o).Replace(id, "ID");
        Assert.Equal(Normalize(expected!, first.InstanceId), Normalize(output!, metadata.InstanceId));
        Assert.Equal(2, twice.FanIns.Count);
    }

    [Fact]
    public async Task AFailedShardFailsOnlyWhatDependsOnItWithTheErrorRecorded()
    {
        var gpu = new FakeGpu
        {
            ShardBehaviour = job =>
                job.Checkpoint == "run-1/epoch-1" && job.Suite == "nudity" && job.Shard == 2
                    ? Reply.Fail
                    : Reply.Succeed,
        };
        var (metadata, output) = await Run(gpu, Input(Sweep));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        Assert.Single(gpu.Shards, s => s.Checkpoint == "run-1/epoch-1" && s.Suite == "nudity" && s.Shard == 2);
        var good = output!.Runs[0];
        Assert.Empty(good.Evaluation!.Errors);
        Assert.Equal(2, good.Recommended!.Epoch);
        var hit = output.Runs[1];
        Assert.Equal(RunStatus.Completed, hit.Evaluation!.Status);
        Assert.Equal(
            new[]
            {
                "run-1/epoch-1: nudity shard 2/2: CUDA out of memory",
                "run-1/epoch-1 is not a candidate: its nudity evaluation did not complete",
            },
            hit.Evaluation.Errors
        );
        var fanIn = gpu.FanIns.Single(f => f.Run == "run-1");
        Assert.True(fanIn.Choose);
        // Its preservation suite completed, so it is still merged, but it cannot be a candidate.
        Assert.Equal(new[] { "coco-validation" }, fanIn.Candidates.Single(c => c.Epoch == 1).Suites);
        Assert.Equal(2, hit.Recommended!.Epoch);
        Assert.Equal((20, 1), (output.Evaluation!.ShardsCompleted, output.Evaluation.ShardsFailed));
    }

    [Fact]
    public async Task AFailedBaselineShardLeavesEveryRunWithoutAChoiceAndTheEmbeddingSpaceRecommendationSaysSo()
    {
        var gpu = new FakeGpu
        {
            ShardBehaviour = job => job.Checkpoint == "baseline" && job.Suite == "nudity" ? Reply.Fail : Reply.Succeed,
        };
        var (metadata, output) = await Run(gpu, Input(Sweep));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        Assert.All(gpu.FanIns, f => Assert.False(f.Choose));
        Assert.All(output!.Runs, run =>
        {
            Assert.Null(run.Recommended);
            Assert.Null(run.Evaluation!.Choice);
            Assert.StartsWith(
                "no checkpoint chosen: the baseline's nudity evaluation did not complete",
                run.Evaluation.Note
            );
            Assert.Contains("baseline: nudity shard 1/2: CUDA out of memory", run.Evaluation.Errors);
            Assert.NotEmpty(run.Evaluation.Checkpoints);
        });
        Assert.Equal(2, output.Evaluation!.Errors.Count);
        Assert.StartsWith("no run's image evaluation chose a checkpoint", output.Recommended!.Reason);
        Assert.StartsWith("highest recovered-concept residual", output.Recommended.Rule);
    }

    [Fact]
    public async Task AShardWithoutAResultIsRetriedThenRecordedAndAFailedFanInIsRecorded()
    {
        var gpu = new FakeGpu
        {
            ShardBehaviour = job =>
                job.Checkpoint == "run-0/epoch-2" && job.Suite == "coco-validation" ? Reply.Drop : Reply.Succeed,
            FanInBehaviour = job => job.Run == "run-1" ? Reply.Fail : Reply.Succeed,
        };
        var (metadata, output) = await Run(gpu, Input(Sweep, timeoutSeconds: 1, attempts: 2));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        Assert.Equal(
            new[] { 1, 2 },
            gpu.Shards.Where(s => s.Checkpoint == "run-0/epoch-2" && s.Suite == "coco-validation")
                .Select(s => s.Attempt)
                .Order()
        );
        var run0 = output!.Runs[0].Evaluation!;
        Assert.Equal(
            new[]
            {
                "run-0/epoch-2: coco-validation shard 1/1: attempt 1: the worker that claimed it gave no sign of life for 1 s; attempt 2: the worker that claimed it gave no sign of life for 1 s",
            },
            run0.Errors
        );
        Assert.Equal(
            new[] { "nudity" },
            gpu.FanIns.Single(f => f.Run == "run-0").Candidates.Single(c => c.Epoch == 2).Suites
        );
        var run1 = output.Runs[1];
        Assert.Equal(RunStatus.Failed, run1.Evaluation!.Status);
        Assert.Equal(new[] { "fan-in: report.json of shard 1 is damaged" }, run1.Evaluation.Errors);
        Assert.Null(run1.Recommended);
        Assert.Equal("run-0", output.Recommended!.Run);
    }

    [Fact]
    public async Task AFailedRunsCommittedCheckpointsAreEvaluatedButItGetsNoFanIn()
    {
        var gpu = new FakeGpu { Behaviour = job => job.Run == "run-1" && job.Epoch == 1 ? Reply.Fail : Reply.Succeed };
        var (metadata, output) = await Run(gpu, Input(Sweep));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        Assert.Equal(3 * 5, gpu.Shards.Count);
        Assert.DoesNotContain(gpu.Shards, s => s.Checkpoint is "run-1/epoch-1" or "run-1/epoch-2");
        Assert.Equal(new[] { "run-0" }, gpu.FanIns.Select(f => f.Run));
        var failed = output!.Runs[1];
        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.Equal("no checkpoint chosen: the run failed", failed.Evaluation!.Note);
        Assert.Null(failed.Recommended);
        var status = PipelineJson.Deserialize<ErasureProgressStatus>(metadata.SerializedCustomStatus!).Evaluation!;
        Assert.Equal(new EvaluationProgress(15, 0, 15, 1, 1), status);
    }

    [Fact]
    public async Task WithoutAnEvaluationSectionNothingIsEvaluatedAndTheEmbeddingSpaceRuleDecides()
    {
        var gpu = new FakeGpu();
        var (_, output) = await Run(
            gpu,
            Input("""{"model": "m", "concepts": ["nudity"], "preset": "nudity", "epochs": 1}""")
        );

        Assert.Empty(gpu.Shards);
        Assert.Empty(gpu.FanIns);
        Assert.Null(output!.Evaluation);
        Assert.Null(output.Runs[0].Evaluation);
        Assert.Null(output.Runs[0].Recommended);
        Assert.StartsWith("highest recovered-concept residual", output.Recommended!.Rule);
        Assert.DoesNotContain("evaluation", PipelineJson.Serialize(output));
    }
}
