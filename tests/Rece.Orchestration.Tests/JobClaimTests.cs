using Microsoft.DurableTask.Client;
using Rece.Orchestration.Requests;

namespace Rece.Orchestration.Tests;

/// <summary>Job timeouts count from a worker's claim; results are accepted only as the job's own; retryable failures
/// get another attempt.</summary>
public class JobClaimTests
{
    private static async Task<(OrchestrationMetadata Metadata, ErasureOutput? Output)> Run(
        FakeGpu gpu,
        int timeoutSeconds,
        int attempts = 3,
        int queueTimeoutSeconds = 60
    )
    {
        var input = new ErasureInput
        {
            Request = PipelineRequestParser.Parse(
                """{"model": "m", "concepts": ["nudity"], "preset": "nudity", "epochs": 1}"""
            ),
            Jobs = new GpuJobPolicy
            {
                TimeoutSeconds = timeoutSeconds,
                MaxAttempts = attempts,
                QueueTimeoutSeconds = queueTimeoutSeconds,
            },
        };
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
    public async Task AJobWaitingInTheQueueLongerThanTheTimeoutIsNotTimedOut()
    {
        // Before claims, the timer started at enqueue: a 1 s timeout expired while the job waited 3 s behind others.
        var gpu = new FakeGpu { Behaviour = job => job.Epoch == 0 ? Reply.QueuedLong : Reply.Succeed };
        var (metadata, output) = await Run(gpu, timeoutSeconds: 1);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        Assert.Equal(RunStatus.Completed, output!.Runs.Single().Status);
        Assert.Equal(new[] { 1 }, gpu.Jobs.Where(j => j.Epoch == 0).Select(j => j.Attempt));
    }

    [Fact]
    public async Task AJobNobodyClaimsFailsAfterTheQueueTimeoutWithoutAnotherAttempt()
    {
        var gpu = new FakeGpu { Behaviour = _ => Reply.Unclaimed };
        var (metadata, _) = await Run(gpu, timeoutSeconds: 1, queueTimeoutSeconds: 2);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, metadata.RuntimeStatus);
        Assert.Contains("no GPU worker claimed the job within 2 s", metadata.FailureDetails!.ErrorMessage);
        Assert.Single(gpu.Jobs);
    }

    [Fact]
    public async Task AForgedResultNamingAnotherBlobIsIgnoredAndTheRealResultCounts()
    {
        var gpu = new FakeGpu { Behaviour = job => job.Epoch == 0 ? Reply.ForgedThenSucceed : Reply.Succeed };
        var (metadata, output) = await Run(gpu, timeoutSeconds: 30);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        var run = output!.Runs.Single();
        Assert.All(run.Epochs, e =>
            Assert.StartsWith($"checkpoints/{metadata.InstanceId}/run-0/epoch-{e.Epoch}/", e.Patch)
        );
        Assert.DoesNotContain(gpu.Reports.Single().Report.Runs.SelectMany(r => r.Epochs), e =>
            e.Patch.Contains("secrets", StringComparison.Ordinal)
        );
    }

    [Fact]
    public async Task AResultWithTheJobsPathsButNoCommittedCheckpointIsIgnored()
    {
        // The paths are right, but nothing was committed: the verification activity refuses it and the attempt times
        // out.
        var gpu = new FakeGpu();
        gpu.Behaviour = job =>
        {
            if (job.Epoch == 1)
                gpu.Uncommitted.Add(job.JobId);
            return Reply.Succeed;
        };
        var (metadata, _) = await Run(gpu, timeoutSeconds: 1, attempts: 1);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, metadata.RuntimeStatus);
        Assert.Contains("ignored a result that is not the job's own", metadata.FailureDetails!.ErrorMessage);
        Assert.Contains("nothing is committed there", metadata.FailureDetails.ErrorMessage);
    }

    [Fact]
    public async Task ARetryableFailureGetsAnotherAttemptAndAFinalOneDoesNot()
    {
        var gpu = new FakeGpu
        {
            Behaviour = job => job.Epoch == 1 && job.Attempt == 1 ? Reply.FailRetryable : Reply.Succeed,
        };
        var (metadata, output) = await Run(gpu, timeoutSeconds: 30);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        Assert.Equal(new[] { 1, 2 }, gpu.Jobs.Where(j => j.Epoch == 1).Select(j => j.Attempt).Order());
        Assert.Equal(RunStatus.Completed, output!.Runs.Single().Status);

        var final = new FakeGpu { Behaviour = job => job.Epoch == 1 ? Reply.Fail : Reply.Succeed };
        var (failed, _) = await Run(final, timeoutSeconds: 30);
        Assert.Equal(OrchestrationRuntimeStatus.Failed, failed.RuntimeStatus);
        Assert.Single(final.Jobs, j => j.Epoch == 1);
    }
}
