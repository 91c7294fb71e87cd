using Microsoft.DurableTask.Client;
using Rece.Orchestration.Jobs;
using Rece.Orchestration.Requests;

namespace Rece.Orchestration.Tests;

/// <summary>The orchestrator's decisions, run on the Durable Task SDK's in-memory test host: no storage, no
/// workers.</summary>
public class ErasureOrchestratorTests
{
    private static ErasureInput Input(
        string json,
        int timeoutSeconds = 30,
        int attempts = 3,
        RequestSource? source = null
    ) =>
        new()
        {
            Request = PipelineRequestParser.Parse(json),
            Jobs = new GpuJobPolicy { TimeoutSeconds = timeoutSeconds, MaxAttempts = attempts },
            Source = source ?? RequestSource.Http,
        };

    private static async Task<(OrchestrationMetadata Metadata, ErasureOutput? Output)> Run(
        FakeGpu gpu,
        ErasureInput input
    )
    {
        await using var host = await gpu.StartAsync();
        string id = await host.Client.ScheduleNewOrchestrationInstanceAsync(TaskNames.ErasureOrchestrator, input);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var metadata = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);
        var output =
            metadata.RuntimeStatus == OrchestrationRuntimeStatus.Completed
                ? PipelineJson.Deserialize<ErasureOutput>(metadata.SerializedOutput!)
                : null;
        return (metadata, output);
    }

    [Fact]
    public async Task ASweepFansOutOneRunPerCombinationAndChainsEachRunsEpochs()
    {
        var gpu = new FakeGpu();
        var (metadata, output) = await Run(
            gpu,
            Input(
                """{"model": "sd-v1-4", "concepts": ["nudity"], "preset": "nudity", "sweep": {"reg": [0.1, 0.01], "epochs": [1, 2]}}"""
            )
        );

        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        Assert.Equal(4, output!.Runs.Count);
        Assert.Equal((1 + 1 + 1 + 2) * 2, gpu.Jobs.Count);
        foreach (var run in output.Runs)
        {
            Assert.Equal(RunStatus.Completed, run.Status);
            Assert.Equal(Enumerable.Range(0, run.Settings.EffectiveEpochs + 1), run.Epochs.Select(e => e.Epoch));
            Assert.Equal(
                $"checkpoints/{metadata.InstanceId}/{run.Run}/epoch-{run.Settings.EffectiveEpochs}/rece-patch.safetensors",
                run.Patch
            );
            var jobs = gpu.Jobs.Where(j => j.Run == run.Run).OrderBy(j => j.Epoch).ToList();
            Assert.Null(jobs[0].PreviousCheckpoint);
            for (int k = 1; k < jobs.Count; k++)
                Assert.Equal(jobs[k - 1].Checkpoint, jobs[k].PreviousCheckpoint);
        }
        Assert.Equal(new double?[] { 0.1, 0.1, 0.01, 0.01 }, output.Runs.Select(r => r.Settings.Regularizer));
        Assert.Equal(new int?[] { 1, 2, 1, 2 }, output.Runs.Select(r => r.Settings.Epochs));
        var status = PipelineJson.Deserialize<ErasureProgressStatus>(metadata.SerializedCustomStatus!);
        Assert.Equal((4, 0, 4), (status.RunsCompleted, status.RunsFailed, status.RunsTotal));
        // Fake measures: residual 0.1 (epoch+1), drift 0.01 (epoch+1): epoch 1 is the last within twice the UCE drift.
        Assert.Equal(("run-0", 1), (output.Recommended!.Run, output.Recommended.Epoch));
        Assert.Single(gpu.Reports);
        Assert.Equal(output.Report, $"reports/{metadata.InstanceId}/report.json");
    }

    [Fact]
    public async Task ATimedOutEpochIsEnqueuedAgainAndTheRunResumesFromThePreviousCheckpoint()
    {
        var gpu = new FakeGpu { Behaviour = job => job.Epoch == 2 && job.Attempt == 1 ? Reply.Drop : Reply.Succeed };
        var (metadata, output) = await Run(
            gpu,
            Input("""{"model": "m", "concepts": ["nudity"], "preset": "nudity"}""", timeoutSeconds: 2)
        );

        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        var jobs = gpu.Jobs.ToList();
        Assert.Equal(new[] { (0, 1), (1, 1), (2, 1), (2, 2), (3, 1) }, jobs.Select(j => (j.Epoch, j.Attempt)));
        var retry = jobs[3];
        Assert.Equal(jobs[2].JobId, retry.JobId);
        Assert.NotEqual(jobs[2].EventName, retry.EventName);
        Assert.Equal($"checkpoints/{metadata.InstanceId}/run-0/epoch-1/", retry.PreviousCheckpoint);
        Assert.Equal(4, output!.Runs[0].Epochs.Count);
    }

    [Fact]
    public async Task AnEpochWithoutAResultAfterEveryAttemptFailsItsRunWithTheReasonAndTheOtherRunsComplete()
    {
        var gpu = new FakeGpu { Behaviour = job => job.Run == "run-1" && job.Epoch == 1 ? Reply.Drop : Reply.Succeed };
        var (metadata, output) = await Run(
            gpu,
            Input(
                """{"model": "m", "concepts": ["cat"], "sweep": {"reg": [0.1, 0.2]}}""",
                timeoutSeconds: 1,
                attempts: 2
            )
        );

        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        Assert.Equal(RunStatus.Completed, output!.Runs[0].Status);
        var failed = output.Runs[1];
        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.Null(failed.Patch);
        Assert.Contains(
            "epoch 1: attempt 1: the worker that claimed it gave no sign of life for 1 s; attempt 2: the worker that claimed it gave no sign of life for 1 s",
            failed.Error
        );
        Assert.Single(failed.Epochs);
        Assert.Equal(2, gpu.Jobs.Count(j => j.Run == "run-1" && j.Epoch == 1));
        Assert.Equal("run-0", output.Recommended!.Run);
        var status = PipelineJson.Deserialize<ErasureProgressStatus>(metadata.SerializedCustomStatus!);
        Assert.Equal((1, 1, 2), (status.RunsCompleted, status.RunsFailed, status.RunsTotal));
    }

    [Fact]
    public async Task DuplicateResultEventsChangeNothing()
    {
        const string request =
            """{"model": "m", "concepts": ["nudity"], "preset": "nudity", "sweep": {"reg": [0.1, 0.01]}}""";
        var once = new FakeGpu();
        var (_, expected) = await Run(once, Input(request));
        var twice = new FakeGpu { Behaviour = _ => Reply.SucceedTwice };
        var (metadata, output) = await Run(twice, Input(request));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        Assert.Equal(
            once.Jobs.Select(j => (j.Run, j.Epoch, j.Attempt)).Order(),
            twice.Jobs.Select(j => (j.Run, j.Epoch, j.Attempt)).Order()
        );
        string Normalize(ErasureOutput o) => PipelineJson.Serialize(o).Replace(metadata.InstanceId, "ID");
        Assert.Equal(Normalize(expected!).Replace(once.Jobs.First().InstanceId, "ID"), Normalize(output!));
        Assert.All(output!.Runs.SelectMany(r => r.Epochs), e =>
            Assert.DoesNotContain("\"reused\"", PipelineJson.Serialize(e))
        );
    }

    [Fact]
    public async Task AStaleEventOfAnEarlierAttemptIsNotTakenForTheCurrentAttempt()
    {
        // Attempt 1 of epoch 1 times out; its failure report arrives only after attempt 2 was enqueued.
        var gpu = new FakeGpu();
        gpu.Behaviour = job =>
        {
            if (job.Epoch == 1 && job.Attempt == 1)
                return Reply.Drop;
            if (job.Epoch == 1 && job.Attempt == 2)
            {
                var stale = job with { Attempt = 1, EventName = GpuJob.EventNameOf(job.Run, 1, 1) };
                gpu.Client!.RaiseEventAsync(
                        job.InstanceId,
                        stale.EventName,
                        GpuJobResult.Failure(stale, "late failure", "fake")
                    )
                    .GetAwaiter()
                    .GetResult();
            }
            return Reply.Succeed;
        };
        var (metadata, output) = await Run(
            gpu,
            Input("""{"model": "m", "concepts": ["cat"], "epochs": 1}""", timeoutSeconds: 2)
        );

        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        Assert.Equal(RunStatus.Completed, output!.Runs[0].Status);
    }

    [Fact]
    public async Task AFailedJobFailsItsRunWithoutRetryAndAllRunsFailedFailsTheInstanceAndItsResultDocument()
    {
        var gpu = new FakeGpu { Behaviour = job => job.Epoch == 0 ? Reply.Fail : Reply.Succeed };
        var source = new RequestSource
        {
            Kind = "blob",
            Blob = "x.json",
            ETag = "\"0x1\"",
            ResultBlob = "x.json",
        };
        var (metadata, _) = await Run(gpu, Input("""{"model": "m", "concepts": ["cat"]}""", source: source));

        Assert.Equal(OrchestrationRuntimeStatus.Failed, metadata.RuntimeStatus);
        Assert.Contains(
            "Every run failed: run-0: epoch 0: the model folder models/x has no unet/config.json",
            metadata.FailureDetails!.ErrorMessage
        );
        Assert.Single(gpu.Jobs);
        var result = Assert.Single(gpu.Results);
        Assert.Equal("x.json", result.Blob);
        Assert.Equal("Failed", result.Document.RuntimeStatus);
        Assert.Contains("no unet/config.json", result.Document.Output!.Value.GetString());
        Assert.Equal(metadata.InstanceId, result.Document.InstanceId);
        Assert.Single(gpu.Reports);
    }

    [Fact]
    public async Task ABlobRequestGetsACompletedResultDocumentWithTheRunsAndTheirPatches()
    {
        var gpu = new FakeGpu();
        var source = new RequestSource
        {
            Kind = "blob",
            Blob = "a/b.json",
            ETag = "\"0x2\"",
            ResultBlob = "a/b.json",
        };
        var (metadata, output) = await Run(
            gpu,
            Input("""{"model": "m", "concepts": ["cat"], "method": "uce"}""", source: source)
        );

        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        var result = Assert.Single(gpu.Results).Document;
        Assert.Equal("Completed", result.RuntimeStatus);
        var written = PipelineJson.Deserialize<ErasureOutput>(result.Output!.Value.GetRawText());
        Assert.Equal(output!.Runs[0].Patch, written.Runs[0].Patch);
        Assert.EndsWith("/run-0/epoch-0/rece-patch.safetensors", written.Runs[0].Patch);
        Assert.Equal("\"0x2\"", result.Request!.ETag);
    }
}
