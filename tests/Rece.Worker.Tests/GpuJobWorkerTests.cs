using System.Collections.Concurrent;
using Rece.Erasure;
using Rece.Evaluation.Tests;
using Rece.Models.Fixtures;
using Rece.Orchestration;
using Rece.Orchestration.Jobs;
using Rece.Orchestration.Planning;
using Rece.Orchestration.Requests;
using Rece.Storage;
using Rece.Testing;

namespace Rece.Worker.Tests;

/// <summary>The worker against Azurite, with its result events recorded instead of sent to a task hub.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class GpuJobWorkerTests(AzuriteFixture azurite) : IDisposable
{
    private readonly string _scratch = PipelineTestKit.TempFolder("worker");

    private sealed class RecordedEvents : IJobResultEvents
    {
        public ConcurrentQueue<(string Instance, string Event, GpuJobResult Result)> Raised { get; } = new();

        public ConcurrentQueue<JobClaim> Claims { get; } = new();

        /// <summary>Instances the fake task hub reports finished: their jobs are dropped.</summary>
        public ConcurrentBag<string> Finished { get; } = new();

        public Task ClaimAsync(string instanceId, JobClaim claim, string resultEventName)
        {
            Claims.Enqueue(claim);
            return Task.CompletedTask;
        }

        public Task<bool> IsRunningAsync(string instanceId) => Task.FromResult(!Finished.Contains(instanceId));

        public Task RaiseAsync(string instanceId, string eventName, string json)
        {
            Raised.Enqueue((instanceId, eventName, PipelineJson.Deserialize<GpuJobResult>(json)));
            return Task.CompletedTask;
        }
    }

    private async Task<(
        StorageAccount Account,
        GpuJobWorker Worker,
        RecordedEvents Events,
        ModelCache Cache
    )> SetUpAsync(GpuWorkerOptions? options = null, bool upload = true)
    {
        var account = StorageAccount.Parse(azurite.NewAccount());
        await account.EnsureCreatedAsync();
        if (upload)
        {
            string model = Path.Combine(_scratch, "tiny");
            if (!Directory.Exists(model))
                RandomModelFixture.Write(model, FixtureKind.Tiny, seed: 11);
            await PipelineTestKit.UploadFolderAsync(account.Container(StorageNames.Models), "tiny", model);
        }
        var events = new RecordedEvents();
        var cache = new ModelCache(account, Path.Combine(_scratch, "cache-" + Guid.NewGuid().ToString("N")[..6]));
        var worker = new GpuJobWorker(
            account,
            events,
            cache,
            Warm,
            ComputeThread.Shared,
            (options ?? new GpuWorkerOptions()) with
            {
                MaxJobs = 1,
                VisibilityTimeout = TimeSpan.FromSeconds(5),
            }
        );
        return (account, worker, events, cache);
    }

    private static readonly WarmModels Warm = new();

    private static GpuJob Job(string instance, int epoch, string model = "tiny", int epochs = 1) =>
        GpuJob.For(
            instance,
            model,
            ErasurePlan
                .Expand(
                    PipelineRequestParser.Parse(
                        $$"""{"model": "{{model}}", "concepts": ["nudity"], "epochs": {{epochs}}}"""
                    )
                )
                .Runs[0],
            epoch,
            1
        );

    private static async Task RunOnceAsync(GpuJobWorker worker)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await worker.RunAsync(timeout.Token);
    }

    [Fact]
    public async Task AJobDeliveredTwiceComputesOnceAndRaisesTheSameResultTwice()
    {
        var (account, worker, events, _) = await SetUpAsync();
        var job = Job("dup", 0);
        await account.GpuJobs.SendMessageAsync(PipelineJson.Serialize(job));
        await account.GpuJobs.SendMessageAsync(PipelineJson.Serialize(job));

        await RunOnceAsync(worker);
        var checkpoints = account.Container(StorageNames.Checkpoints);
        var etags = new Dictionary<string, Azure.ETag>();
        foreach (var name in await PipelineTestKit.ListAsync(checkpoints, "dup/"))
            etags[name] = (await checkpoints.GetBlobClient(name).GetPropertiesAsync()).Value.ETag;
        await RunOnceAsync(worker);

        var results = events.Raised.ToList();
        Assert.Equal(2, results.Count);
        Assert.All(results, r =>
            Assert.Equal((job.InstanceId, job.EventName, true), (r.Instance, r.Event, r.Result.Succeeded))
        );
        Assert.False(results[0].Result.Reused);
        Assert.True(results[1].Result.Reused);
        Assert.Equal(
            PipelineJson.Serialize(results[0].Result.Checkpoint),
            PipelineJson.Serialize(results[1].Result.Checkpoint)
        );
        Assert.Equal(new[] { "original", "uce" }, results[0].Result.Checkpoint!.Measures.Select(m => m.Stage));
        foreach (var (name, etag) in etags)
            Assert.Equal(etag, (await checkpoints.GetBlobClient(name).GetPropertiesAsync()).Value.ETag);
        Assert.Equal(3, etags.Count);
        Assert.Empty((await account.GpuJobs.PeekMessagesAsync()).Value);
    }

    [Fact]
    public async Task ASpeedJobWritesThePatchRecePipelineWouldAndItsTwoStages()
    {
        var (account, worker, events, _) = await SetUpAsync();
        var run = ErasurePlan
            .Expand(
                PipelineRequestParser.Parse(
                    """{"model": "tiny", "concepts": ["nudity"], "preset": "speed-nudity", "preserve": ["a portrait"]}"""
                )
            )
            .Runs[0];
        Assert.Equal(0, run.Settings.EffectiveEpochs);
        await account.GpuJobs.SendMessageAsync(PipelineJson.Serialize(GpuJob.For("speed", "tiny", run, 0, 1)));
        await RunOnceAsync(worker);

        var result = Assert.Single(events.Raised).Result;
        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(new[] { "original", "speed" }, result.Checkpoint!.Measures.Select(m => m.Stage));
        string patch = Path.Combine(_scratch, "speed.safetensors");
        await account
            .Container(StorageNames.Checkpoints)
            .GetBlobClient(BlobPath.Parse(result.Checkpoint.Patch).Name)
            .DownloadToAsync(patch);
        string local = Path.Combine(_scratch, "speed-local");
        var report = ErasureJob.Run(
            new ErasureRequest
            {
                ModelDirectory = Path.Combine(_scratch, "tiny"),
                OutputDirectory = local,
                Concepts = ["nudity"],
                Preset = "speed-nudity",
                Preserve = ["a portrait"],
                PatchOnly = true,
            }
        );
        using var fromPipeline = RecePatch.Read(patch);
        using var fromErase = RecePatch.Read(Path.Combine(local, RecePatch.FileName));
        Assert.Null(fromPipeline.SharedFactor);
        Assert.Equal(fromErase.Factors.Count, fromPipeline.Factors.Count);
        for (int i = 0; i < fromErase.Factors.Count; i++)
        {
            Assert.Equal(fromErase.Factors[i].Targets, fromPipeline.Factors[i].Targets);
            Assert.Equal(
                Rece.Models.Safetensors.TorchTensors.ToBytes(fromErase.Factors[i].Factor),
                Rece.Models.Safetensors.TorchTensors.ToBytes(fromPipeline.Factors[i].Factor)
            );
        }
        Assert.Equal(
            report.Stages.Select(s => (s.Stage, (double?)s.RecoveredConceptResidual, (double?)s.PreservationDrift)),
            result.Checkpoint.Measures.Select(m => (m.Stage, m.RecoveredConceptResidual, m.PreservationDrift))
        );
    }

    [Fact]
    public async Task EpochsChainedThroughCheckpointsGiveThePatchOfOneUninterruptedErase()
    {
        var (account, worker, events, cache) = await SetUpAsync();
        for (int epoch = 0; epoch <= 2; epoch++)
        {
            await account.GpuJobs.SendMessageAsync(PipelineJson.Serialize(Job("chain", epoch, epochs: 2)));
            await RunOnceAsync(worker);
        }
        Assert.All(events.Raised, e => Assert.True(e.Result.Succeeded, e.Result.Error));
        var final = events.Raised.Last().Result.Checkpoint!;
        string patch = Path.Combine(_scratch, "chain.safetensors");
        await account
            .Container(StorageNames.Checkpoints)
            .GetBlobClient(BlobPath.Parse(final.Patch).Name)
            .DownloadToAsync(patch);

        string local = Path.Combine(_scratch, "chain-local");
        var report = ErasureJob.Run(
            new ErasureRequest
            {
                ModelDirectory = Path.Combine(_scratch, "tiny"),
                OutputDirectory = local,
                Concepts = new[] { "nudity" },
                Epochs = 2,
                PatchOnly = true,
            }
        );
        using var fromPipeline = RecePatch.Read(patch);
        using var fromErase = RecePatch.Read(Path.Combine(local, RecePatch.FileName));
        Assert.Equal(
            Rece.Models.Safetensors.TorchTensors.ToBytes(fromErase.SharedFactor!),
            Rece.Models.Safetensors.TorchTensors.ToBytes(fromPipeline.SharedFactor!)
        );
        Assert.Equal("models/tiny", fromPipeline.Description["rece.base_model"]);
        Assert.Equal(
            report.Stages.Select(s => (s.Stage, (double?)s.RecoveredConceptResidual, (double?)s.PreservationDrift)),
            events
                .Raised.SelectMany(e => e.Result.Checkpoint!.Measures)
                .Select(m => (m.Stage, m.RecoveredConceptResidual, m.PreservationDrift))
        );
    }

    [Theory]
    [InlineData(
        """{"model": "tiny", "concepts": ["cat"], "method": "fewshot", "epochs": 2, "training": {"images": "images/cat", "lr": 1e-4, "seed": 3}}""",
        "text_encoder/model.safetensors"
    )]
    [InlineData(
        """{"model": "tiny", "concepts": ["cat"], "method": "all-but-one", "training": {"alternative": "dog", "steps": 5, "checkpoints": 2, "samples": 2, "lr": 1e-3, "seed": 3}}""",
        "unet/diffusion_pytorch_model.safetensors"
    )]
    public async Task TrainedEpochsChainedThroughCheckpointsGiveTheModelOfOneUninterruptedRun(
        string json,
        string trainedFile
    )
    {
        var (account, worker, events, _) = await SetUpAsync();
        string images = Path.Combine(_scratch, "cat-images");
        ConceptImages.Write(images);
        await PipelineTestKit.UploadFolderAsync(account.Container(StorageNames.Models), "images/cat", images);
        var request = PipelineRequestParser.Parse(json);
        var run = ErasurePlan.Expand(request).Runs.Single();
        for (int epoch = 0; epoch <= 1; epoch++)
        {
            await account.GpuJobs.SendMessageAsync(
                PipelineJson.Serialize(GpuJob.For("trained", "tiny", run, epoch, 1))
            );
            await RunOnceAsync(worker);
        }
        Assert.Equal(2, events.Raised.Count);
        Assert.All(events.Raised, e => Assert.True(e.Result.Succeeded, e.Result.Error));
        var measures = events.Raised.Select(e => Assert.Single(e.Result.Checkpoint!.Measures)).ToList();
        Assert.All(measures, m => Assert.True(m.IsTrained && m.Loss is not null && m.RelativeWeightChange > 0));
        Assert.True(measures[1].RelativeWeightChange > measures[0].RelativeWeightChange);

        // The final checkpoint's patch, applied to the model, gives the weights `rece erase` trains in one run.
        string patch = Path.Combine(_scratch, $"{run.Settings.Method}.safetensors");
        await account
            .Container(StorageNames.Checkpoints)
            .GetBlobClient(BlobPath.Parse(events.Raised.Last().Result.Checkpoint!.Patch).Name)
            .DownloadToAsync(patch);
        string model = Path.Combine(_scratch, "tiny");
        string rebuilt = Path.Combine(_scratch, $"{run.Settings.Method}-rebuilt");
        PatchJob.Apply(model, patch, rebuilt, force: false);
        string whole = Path.Combine(_scratch, $"{run.Settings.Method}-whole");
        var erase = TrainedEpochs.ToErasureRequest(
            run.Settings,
            model,
            run.Settings.Training!.Images is null ? null : images,
            Rece.Models.Devices.ComputeDevice.Cpu
        );
        var report =
            run.Settings.Method == "fewshot"
                ? Rece.Training.FewShotJob.Run(erase with { OutputDirectory = whole })
                : Rece.Training.AllButOneJob.Run(erase with { OutputDirectory = whole });
        Assert.Equal(
            FileHashes.Of(whole)[trainedFile.Replace('/', Path.DirectorySeparatorChar)],
            FileHashes.Of(rebuilt)[trainedFile.Replace('/', Path.DirectorySeparatorChar)]
        );
        // Each checkpoint's loss is the mean of its own steps' (fewshot: 2 an epoch; all-but-one: 1-2, 3-5).
        var losses = report.Training!.Losses;
        int first = run.Settings.Method == "fewshot" ? 2 : run.Settings.TrainedUntil(0);
        Assert.Equal(losses.Take(first).Average(), measures[0].Loss!.Value, 12);
        Assert.Equal(losses.Skip(first).Average(), measures[1].Loss!.Value, 12);
        using var fromPipeline = TrainedWeightsPatch.Read(patch);
        Assert.Equal("models/tiny", fromPipeline.Description["rece.base_model"]);
    }

    [Fact]
    public async Task AFewShotJobWhoseImagesAreMissingFailsAtOnceWithTheReason()
    {
        var (account, worker, events, _) = await SetUpAsync();
        var run = ErasurePlan
            .Expand(
                PipelineRequestParser.Parse(
                    """{"model": "tiny", "concepts": ["cat"], "method": "fewshot", "training": {"images": "images/none"}}"""
                )
            )
            .Runs.Single();
        await account.GpuJobs.SendMessageAsync(PipelineJson.Serialize(GpuJob.For("no-images", "tiny", run, 0, 1)));
        await RunOnceAsync(worker);
        var result = Assert.Single(events.Raised).Result;
        Assert.False(result.Succeeded);
        Assert.False(result.Retryable);
        Assert.Contains("models/images/none/", result.Error, StringComparison.Ordinal);
        Assert.Contains("upload a few", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AJobForAMissingModelFailsAtOnceWithTheReasonAndLeavesNoMessage()
    {
        var (account, worker, events, _) = await SetUpAsync(upload: false);
        await account.GpuJobs.SendMessageAsync(PipelineJson.Serialize(Job("missing", 0, model: "sd-v9")));
        await account.GpuJobs.SendMessageAsync("this is not a job");

        await RunOnceAsync(worker);
        await RunOnceAsync(worker);

        var failure = Assert.Single(events.Raised).Result;
        Assert.False(failure.Succeeded);
        Assert.Contains("has no folder sd-v9/", failure.Error);
        Assert.Empty((await account.GpuJobs.PeekMessagesAsync()).Value);
    }

    [Fact]
    public async Task AJobDequeuedTooOftenFailsWithTheLastErrorAndNeverBlocksTheQueue()
    {
        var (account, worker, events, _) = await SetUpAsync(new GpuWorkerOptions { MaxDequeueCount = 1 });
        // A state blob with other bytes than the job computes: a conflict the worker may not overwrite (it retries).
        var job = Job("poison", 0);
        await account
            .Container(StorageNames.Checkpoints)
            .UploadBlobAsync("poison/run-0/epoch-0/state.safetensors", BinaryData.FromString("other bytes"));
        await account.GpuJobs.SendMessageAsync(PipelineJson.Serialize(job));
        var other = Job("healthy", 0);
        await account.GpuJobs.SendMessageAsync(PipelineJson.Serialize(other));

        for (int i = 0; i < 3; i++)
            await RunOnceAsync(worker);

        var raised = events.Raised.ToList();
        Assert.True(raised.Single(r => r.Instance == "healthy").Result.Succeeded);
        var poisoned = raised.Single(r => r.Instance == "poison").Result;
        Assert.False(poisoned.Succeeded);
        Assert.Contains("dequeued 2 times", poisoned.Error);
        Assert.Contains("already exists with other content", poisoned.Error);
        Assert.Empty((await account.GpuJobs.PeekMessagesAsync()).Value);
        Assert.False(
            await account
                .Container(StorageNames.Checkpoints)
                .GetBlobClient("poison/run-0/epoch-0/measures.json")
                .ExistsAsync()
        );
    }

    [Fact]
    public async Task TheModelCacheDownloadsOnceAndAgainOnlyWhenABlobChanges()
    {
        var (account, _, _, cache) = await SetUpAsync();
        var first = await cache.GetAsync("tiny");
        var second = await cache.GetAsync("tiny");
        Assert.Equal(first.Directory, second.Directory);
        Assert.True(File.Exists(Path.Combine(first.Directory, "unet", "config.json")));
        await account
            .Container(StorageNames.Models)
            .GetBlobClient("tiny/README.md")
            .UploadAsync(BinaryData.FromString("changed"));
        var third = await cache.GetAsync("tiny");
        Assert.NotEqual(first.Directory, third.Directory);
        Assert.Empty(Directory.EnumerateDirectories(Path.GetDirectoryName(first.Directory)!, ".partial*"));
        await Assert.ThrowsAsync<ModelNotFoundException>(() => cache.GetAsync("absent"));
    }

    [Fact]
    public async Task JobsOfAFinishedInstanceAndSupersededAttemptsAreDroppedWithoutComputing()
    {
        var (account, worker, events, _) = await SetUpAsync();
        events.Finished.Add("terminated");
        await account.GpuJobs.SendMessageAsync(PipelineJson.Serialize(Job("terminated", 0)));
        var old = Job("retried", 0);
        // The orchestrator timed attempt 1 out and enqueued attempt 2: attempt 1's message must not be computed again.
        await new JobAttempts(account).RecordAsync(old with { Attempt = 2 });
        await account.GpuJobs.SendMessageAsync(PipelineJson.Serialize(old));

        await RunOnceAsync(worker);
        await RunOnceAsync(worker);

        Assert.Empty(events.Raised);
        Assert.Empty(events.Claims);
        Assert.Empty((await account.GpuJobs.PeekMessagesAsync()).Value);
        Assert.Empty(await PipelineTestKit.ListAsync(account.Container(StorageNames.Checkpoints), "terminated/"));
        Assert.DoesNotContain(
            await PipelineTestKit.ListAsync(account.Container(StorageNames.Checkpoints), "retried/"),
            n => n.EndsWith(".safetensors", StringComparison.Ordinal)
        );
    }

    [Fact]
    public async Task AWorkerClaimsAJobBeforeItsResultSoTheTimeoutStartsWhenTheWorkStarts()
    {
        var (account, worker, events, _) = await SetUpAsync();
        var job = Job("claimed", 0);
        await account.GpuJobs.SendMessageAsync(PipelineJson.Serialize(job));
        await RunOnceAsync(worker);

        var claim = Assert.Single(events.Claims);
        Assert.Equal((job.JobId, 1), (claim.JobId, claim.Attempt));
        Assert.Equal("GpuJobStarted." + job.EventName, JobClaim.EventNameOf(job.EventName));
        Assert.True(Assert.Single(events.Raised).Result.Succeeded);
    }

    [Fact]
    public async Task ACommittedJobDequeuedTooOftenRaisesItsResultAndAnUncommittedOneARetryableFailure()
    {
        var (account, worker, events, _) = await SetUpAsync();
        var job = Job("committed", 0);
        await account.GpuJobs.SendMessageAsync(PipelineJson.Serialize(job));
        await RunOnceAsync(worker);
        var first = Assert.Single(events.Raised).Result;

        // The same message again, as if its event had never been raised, past the dequeue limit.
        var (_, limited, limitedEvents, _) = await SetUpAsync(
            new GpuWorkerOptions { MaxDequeueCount = 0 },
            upload: false
        );
        var limitedWorker = new GpuJobWorker(
            account,
            limitedEvents,
            new ModelCache(account, Path.Combine(_scratch, "cache-limited")),
            Warm,
            ComputeThread.Shared,
            new GpuWorkerOptions
            {
                MaxDequeueCount = 0,
                MaxJobs = 1,
                VisibilityTimeout = TimeSpan.FromSeconds(5),
            }
        );
        await account.GpuJobs.SendMessageAsync(PipelineJson.Serialize(job));
        await account.GpuJobs.SendMessageAsync(PipelineJson.Serialize(Job("never-committed", 0)));
        await RunOnceAsync(limitedWorker);
        await RunOnceAsync(limitedWorker);

        var again = limitedEvents.Raised.Single(r => r.Instance == "committed").Result;
        Assert.True(again.Succeeded);
        Assert.True(again.Reused);
        Assert.Equal(PipelineJson.Serialize(first.Checkpoint), PipelineJson.Serialize(again.Checkpoint));
        var failed = limitedEvents.Raised.Single(r => r.Instance == "never-committed").Result;
        Assert.False(failed.Succeeded);
        Assert.True(failed.Retryable);
        _ = limited;
    }

    [Fact]
    public async Task TheModelCacheDeletesTheLeastRecentlyUsedCopyWhenOverItsBound()
    {
        var (account, _, _, _) = await SetUpAsync();
        string root = Path.Combine(_scratch, "bounded-" + Guid.NewGuid().ToString("N")[..6]);
        var probe = await new ModelCache(account, root + "-probe").GetAsync("tiny");
        long one = new DirectoryInfo(probe.Directory)
            .EnumerateFiles("*", SearchOption.AllDirectories)
            .Sum(f => f.Length);
        var cache = new ModelCache(account, root, maxBytes: one + one / 2);

        var first = await cache.GetAsync("tiny");
        await account
            .Container(StorageNames.Models)
            .GetBlobClient("tiny/README.md")
            .UploadAsync(BinaryData.FromString("a new version"));
        var second = await cache.GetAsync("tiny");

        Assert.NotEqual(first.Directory, second.Directory);
        Assert.False(Directory.Exists(first.Directory));
        Assert.True(File.Exists(Path.Combine(second.Directory, "unet", "config.json")));
        Assert.True(cache.Entries().Sum(e => e.Bytes) <= cache.MaxBytes);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_scratch, recursive: true);
        }
        catch (IOException) { }
    }
}
