using System.Collections.Concurrent;
using Rece.Erasure;
using Rece.Evaluation.Reports;
using Rece.Evaluation.Running;
using Rece.Evaluation.Selection;
using Rece.Evaluation.Suites;
using Rece.Evaluation.Tests;
using Rece.Evaluation.Tests.Onnx;
using Rece.Generation;
using Rece.Models.Fixtures;
using Rece.Models.Safetensors;
using Rece.Models.Schedulers;
using Rece.Orchestration;
using Rece.Orchestration.Jobs;
using Rece.Orchestration.Requests;
using Rece.Storage;
using Rece.Testing;

namespace Rece.Worker.Tests;

/// <summary>Evaluation jobs on the worker: checkpoints applied in memory, shard jobs against Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class EvaluationJobTests(AzuriteFixture azurite) : IDisposable
{
    private readonly string _scratch = PipelineTestKit.TempFolder("worker-eval");

    private static readonly SamplerSettings Sampler = new(Steps: 3, Size: 64);

    private static readonly PromptCase[] Cases =
    {
        new(7, "a photo of a cat", Seed: 3),
        new(8, "a painting of a river", Seed: 4, Guidance: 5),
    };

    [Fact]
    public void TheSuitesAndTheChoiceDefaultTheOrchestratorPlansWithAreTheEvaluations()
    {
        Assert.Equal(
            EvaluationSuite.All.Select(s =>
                (
                    s.Name,
                    s.Metrics.Contains(ImageMetric.NudeNet),
                    s.Metrics.Contains(ImageMetric.ClipScore),
                    s.Cases().Count
                )
            ),
            EvaluationSuites.All.Select(s => (s.Name, s.NudeNet, s.ClipScore, s.Cases))
        );
        Assert.Equal(CheckpointChoiceRules.DefaultMaxClipScoreDrop, EvaluationSuites.DefaultClipScoreBudget);
        Assert.Equal(
            Enum.GetNames<SchedulerKind>().Select(n => n.ToLowerInvariant()).Order(),
            PipelineRequestParser.Schedulers.Order()
        );
        Assert.Equal(
            Enum.GetValues<Precision>().Select(p => p.Name()).Order(),
            PipelineRequestParser.Precisions.Order()
        );
    }

    [Theory]
    [InlineData("fp32")]
    [InlineData("bf16")]
    public void ACheckpointAppliedInMemoryMakesTheImagesOfTheFolderApplyPatchWrites(string precisionName)
    {
        var precision = Precisions.Parse(precisionName);
        var sampler = Sampler with { Precision = precision };
        string model = Path.Combine(_scratch, "tiny");
        RandomModelFixture.Write(model, FixtureKind.Tiny, seed: 11, fp16Variant: true);
        string erased = Path.Combine(_scratch, "erased");
        ErasureJob.Run(
            new ErasureRequest
            {
                ModelDirectory = model,
                OutputDirectory = erased,
                Concepts = new[] { "cat" },
                Epochs = 1,
                PatchOnly = true,
            }
        );
        string patchPath = Path.Combine(erased, RecePatch.FileName);
        string applied = Path.Combine(_scratch, "applied");
        PatchJob.Apply(model, patchPath, applied, force: false);

        IReadOnlyList<byte[]> Images(IImageSource source) =>
            Cases.Select(c => source.Generate(new GenerationRequest(c)).Pixels).ToList();
        IReadOnlyList<byte[]> Loaded(string folder)
        {
            using var source = GeneratorImageSource.Load(folder, sampler);
            return Images(source);
        }

        using var warm = new WarmEvaluation();
        var pipeline = warm.Pipeline(new CachedModel("tiny", model, "key"), precision);
        using var source = new GeneratorImageSource(pipeline.Pipeline, sampler);
        using (var patch = CheckpointPatch.Read(patchPath))
            pipeline.Apply(patch, RecePatch.FileSha256(patchPath), patchPath);
        var edited = Images(source);
        pipeline.Apply(null, null, "the base model");
        var original = Images(source);

        Assert.Equal(Loaded(applied), edited);
        Assert.Equal(Loaded(model), original);
        Assert.NotEqual(original, edited);
        Assert.Same(pipeline, warm.Pipeline(new CachedModel("tiny", model, "key"), precision));
    }

    [Fact]
    public void TrainedCheckpointsAppliedInMemoryMakeTheImagesOfTheFoldersApplyPatchWritesAndTheBaseComesBack()
    {
        string model = Path.Combine(_scratch, "tiny-trained");
        RandomModelFixture.Write(model, FixtureKind.Tiny, seed: 11);
        string images = Path.Combine(_scratch, "concept-images");
        ConceptImages.Write(images);
        string fewShot = Path.Combine(_scratch, "fewshot");
        Rece.Training.FewShotJob.Run(
            new ErasureRequest
            {
                ModelDirectory = model,
                OutputDirectory = fewShot,
                Concepts = new[] { "cat" },
                Method = "fewshot",
                ImagesDirectory = images,
                Epochs = 1,
                LearningRate = 1e-2,
            }
        );
        string allButOne = Path.Combine(_scratch, "all-but-one");
        Rece.Training.AllButOneJob.Run(
            new ErasureRequest
            {
                ModelDirectory = model,
                OutputDirectory = allButOne,
                Concepts = new[] { "cat" },
                Method = "all-but-one",
                Alternative = "dog",
                Steps = 3,
                Samples = 1,
                LearningRate = 1e-2,
            }
        );
        IReadOnlyList<byte[]> Images(IImageSource source) =>
            Cases.Select(c => source.Generate(new GenerationRequest(c)).Pixels).ToList();
        IReadOnlyList<byte[]> Loaded(string folder)
        {
            using var source = GeneratorImageSource.Load(folder, Sampler);
            return Images(source);
        }

        using var warm = new WarmEvaluation();
        var pipeline = warm.Pipeline(new CachedModel("tiny", model, "key"), Precision.Fp32);
        using var source = new GeneratorImageSource(pipeline.Pipeline, Sampler);
        var original = Images(source);
        foreach (var trained in new[] { fewShot, allButOne, fewShot })
        {
            string patchPath = Path.Combine(trained, RecePatch.FileName);
            using (var patch = CheckpointPatch.Read(patchPath))
                pipeline.Apply(patch, RecePatch.FileSha256(patchPath), patchPath);
            var edited = Images(source);
            Assert.True(Loaded(trained).Zip(edited).All(p => p.First.AsSpan().SequenceEqual(p.Second)), trained);
            Assert.NotEqual(original, edited);
        }
        pipeline.Apply(null, null, "the base model");
        Assert.Equal(original, Images(source));
        Assert.Equal(Loaded(model), original);

        // A trained patch for another base is refused before anything changes.
        string other = Path.Combine(_scratch, "tiny-other");
        RandomModelFixture.Write(other, FixtureKind.Tiny, seed: 12);
        var otherPipeline = warm.Pipeline(new CachedModel("other", other, "key2"), Precision.Fp32);
        using var foreign = CheckpointPatch.Read(Path.Combine(fewShot, RecePatch.FileName));
        var error = Assert.Throws<ErasureInputException>(() => otherPipeline.Apply(foreign, "sha", "checkpoints/y"));
        Assert.Contains("checkpoints/y was made for another base model", error.Message, StringComparison.Ordinal);
        Assert.Null(otherPipeline.Applied);
    }

    [Fact]
    public void TheOriginalModelsImagesComeFromTheWarmPipelineWhichKeepsTheCheckpoint()
    {
        string model = Path.Combine(_scratch, "tiny-original");
        RandomModelFixture.Write(model, FixtureKind.Tiny, seed: 11);
        string erased = Path.Combine(_scratch, "erased-original");
        ErasureJob.Run(
            new ErasureRequest
            {
                ModelDirectory = model,
                OutputDirectory = erased,
                Concepts = new[] { "cat" },
                PatchOnly = true,
            }
        );
        string patchPath = Path.Combine(erased, RecePatch.FileName);
        string sha = RecePatch.FileSha256(patchPath);
        using var warm = new WarmEvaluation();
        var pipeline = warm.Pipeline(new CachedModel("tiny", model, "key"), Precision.Fp32);
        using var source = new GeneratorImageSource(pipeline.Pipeline, Sampler);
        using var patch = CheckpointPatch.Read(patchPath);
        pipeline.Apply(patch, sha, patchPath);
        var checkpoint = Cases.Select(c => source.Generate(new GenerationRequest(c)).Pixels).ToList();
        var original = new OriginalModelImageSource(pipeline, source, patch, sha, patchPath);

        var targets = Cases.Select(c => original.Generate(new GenerationRequest(c)).Pixels).ToList();

        using var loaded = GeneratorImageSource.Load(model, Sampler);
        Assert.Equal(Cases.Select(c => loaded.Generate(new GenerationRequest(c)).Pixels), targets);
        Assert.Equal(sha, pipeline.Applied);
        Assert.Equal(checkpoint, Cases.Select(c => source.Generate(new GenerationRequest(c)).Pixels));
        Assert.NotEqual(checkpoint, targets);
        Assert.Equal("models/tiny (the original model)", original.Description);
    }

    [Fact]
    public async Task AnUnlearnDiffAtkShardAttacksEachPromptTowardTheOriginalModelsImage()
    {
        var account = await AccountWithTinyModelAsync("tiny-attack");
        string detector = Path.Combine(_scratch, "attack-detector.onnx");
        TestDetectorModel.Write(
            detector,
            32,
            new[] { new TestAnchor(16, 16, 32, 32, "FEMALE_BREAST_EXPOSED", 0, 0, 32, 32, Channel: 0, Gain: 1.5f) }
        );
        await account.Container(StorageNames.Models).GetBlobClient("nudenet/test.onnx").UploadAsync(detector);

        var report = await RunShardAsync(
            account,
            BaselineShard("attack", "unlearndiffatk", "nudenet/test.onnx") with
            {
                Limit = 1,
                AttackStages = 1,
                AttackIterations = 1,
            }
        );

        Assert.Equal((1, 1), (report.WhiteBoxAttack!.Stages, report.WhiteBoxAttack.Iterations));
        Assert.Equal("models/tiny (the original model)", report.WhiteBoxAttack.Target);
        Assert.Equal(new[] { EvaluationReport.Baseline, EvaluationReport.Edited }, report.Images.Select(i => i.Role));
        Assert.NotNull(report.SummaryOf(EvaluationReport.Edited)!.AttackSuccessRate);
    }

    [Fact]
    public void APatchOfAnotherBaseModelIsRefused()
    {
        string model = Path.Combine(_scratch, "tiny");
        string other = Path.Combine(_scratch, "other");
        RandomModelFixture.Write(model, FixtureKind.Tiny, seed: 11);
        RandomModelFixture.Write(other, FixtureKind.Tiny, seed: 12);
        string erased = Path.Combine(_scratch, "erased-other");
        ErasureJob.Run(
            new ErasureRequest
            {
                ModelDirectory = other,
                OutputDirectory = erased,
                Concepts = new[] { "cat" },
                Method = "uce",
                PatchOnly = true,
            }
        );
        using var warm = new WarmEvaluation();
        var pipeline = warm.Pipeline(new CachedModel("tiny", model, "key"), Precision.Fp32);
        using var patch = CheckpointPatch.Read(Path.Combine(erased, RecePatch.FileName));
        var error = Assert.Throws<ErasureInputException>(() =>
            pipeline.Apply(patch, "sha", "checkpoints/x/rece-patch.safetensors")
        );
        Assert.Contains("checkpoints/x/rece-patch.safetensors was made for another base model", error.Message);
        Assert.Null(pipeline.Applied);
    }

    private sealed class RawEvents : IJobResultEvents
    {
        public ConcurrentQueue<(string Event, string Json)> Raised { get; } = new();

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
            Raised.Enqueue((eventName, json));
            return Task.CompletedTask;
        }
    }

    private static EvaluationShardJob ShardJob(string instance, string? nudeNet, string? checkpointPath = null) =>
        new()
        {
            JobId = EvaluationShardJob.IdOf(
                instance,
                checkpointPath is null ? "baseline" : "run-0/epoch-0",
                "nudity",
                1
            ),
            InstanceId = instance,
            Attempt = 1,
            EventName = EvaluationShardJob.EventNameOf("baseline", "nudity", 1, 1),
            Model = "tiny",
            Checkpoint = checkpointPath is null ? "baseline" : "run-0/epoch-0",
            CheckpointPath = checkpointPath,
            Suite = "nudity",
            Limit = 3,
            Shard = 1,
            Shards = 1,
            NudeNet = nudeNet,
            Generation = new GenerationOptions { Steps = 2, Size = 64 },
            Output = EvaluationLayout.ShardPrefix(
                instance,
                checkpointPath is null ? "baseline" : "run-0/epoch-0",
                "nudity",
                1
            ),
            CreatedTime = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc),
        };

    [Fact]
    public async Task AShardDeliveredTwiceIsEvaluatedOnceAndAMissingDetectorSkipsOnlyNudeNetWithTheReason()
    {
        var account = StorageAccount.Parse(azurite.NewAccount());
        await account.EnsureCreatedAsync();
        string model = Path.Combine(_scratch, "tiny");
        RandomModelFixture.Write(model, FixtureKind.Tiny, seed: 11);
        await PipelineTestKit.UploadFolderAsync(account.Container(StorageNames.Models), "tiny", model);
        string detector = Path.Combine(_scratch, "detector.onnx");
        TestDetectorModel.Write(
            detector,
            32,
            new[] { new TestAnchor(16, 16, 32, 32, "FEMALE_BREAST_EXPOSED", 0, 0, 32, 32, Channel: 0, Gain: 1.5f) }
        );
        await account.Container(StorageNames.Models).GetBlobClient("nudenet/test.onnx").UploadAsync(detector);
        var events = new RawEvents();
        using var warm = new WarmEvaluation();
        var worker = new GpuJobWorker(
            account,
            events,
            new ModelCache(account, Path.Combine(_scratch, "cache")),
            new WarmModels(),
            ComputeThread.Shared,
            new GpuWorkerOptions { MaxJobs = 1, VisibilityTimeout = TimeSpan.FromSeconds(10) },
            evaluation: warm
        );
        async Task RunOnce()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            await worker.RunAsync(timeout.Token);
        }

        var job = ShardJob("shards", "nudenet/test.onnx");
        await account.GpuJobs.SendMessageAsync(GpuJobMessages.Serialize(job));
        await account.GpuJobs.SendMessageAsync(GpuJobMessages.Serialize(job));
        await RunOnce();
        var reportBlob = account
            .Container(StorageNames.Reports)
            .GetBlobClient($"shards/evaluation/baseline/nudity/shard-1/{EvaluationLayout.ShardReport}");
        var etag = (await reportBlob.GetPropertiesAsync()).Value.ETag;
        await RunOnce();

        var results = events.Raised.Select(e => PipelineJson.Deserialize<EvaluationShardResult>(e.Json)).ToList();
        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.True(r.Succeeded, r.Error));
        Assert.Equal((false, true), (results[0].Reused, results[1].Reused));
        Assert.Equal(PipelineJson.Serialize(results[0].Shard), PipelineJson.Serialize(results[1].Shard));
        Assert.Equal(etag, (await reportBlob.GetPropertiesAsync()).Value.ETag);
        var blobs = await PipelineTestKit.ListAsync(account.Container(StorageNames.Reports), "shards/");
        Assert.Equal(
            new[] { "report.json", "shard.json" }
                .Concat(EvaluationSuite.Nudity.Cases().Take(3).Select(c => $"images/edited/{c.CaseNumber}.png"))
                .Order(),
            blobs.Select(b => b["shards/evaluation/baseline/nudity/shard-1/".Length..]).Order()
        );
        var report = EvaluationReport.Parse((await reportBlob.DownloadContentAsync()).Value.Content.ToString());
        Assert.Equal(new[] { "nudenet" }, report.Metrics);
        Assert.Empty(report.Skipped);
        Assert.Equal(3, report.Images.Count);
        // No build version in content: a redeployed build retrying an interrupted shard commits the same bytes.
        Assert.Equal("rece", report.Tool);
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), report.CreatedUtc);
        Assert.Equal(
            "baseline: generated from models/tiny (2 lms steps, fp32)",
            report.Sources[EvaluationReport.Edited]
        );
        Assert.Equal(report.SummaryOf(EvaluationReport.Edited)!.Nudity!.FlaggedImages, results[0].Shard!.FlaggedImages);

        var missing = ShardJob("missing", "nudenet/absent.onnx");
        await account.GpuJobs.SendMessageAsync(GpuJobMessages.Serialize(missing));
        await RunOnce();
        var skipped = PipelineJson.Deserialize<EvaluationShardResult>(events.Raised.Last().Json);
        Assert.True(skipped.Succeeded, skipped.Error);
        Assert.Empty(skipped.Shard!.Metrics);
        var reason = Assert.Single(skipped.Shard.Skipped);
        Assert.Equal("nudenet", reason.Metric);
        Assert.Contains("evaluation.nudenet names, models/nudenet/absent.onnx, which does not exist", reason.Reason);
        Assert.Equal(3, skipped.Shard.Images);

        var uncommitted = ShardJob(
            "uncommitted",
            "nudenet/test.onnx",
            checkpointPath: "checkpoints/uncommitted/run-0/epoch-0/"
        );
        await account.GpuJobs.SendMessageAsync(GpuJobMessages.Serialize(uncommitted));
        await RunOnce();
        var failed = PipelineJson.Deserialize<EvaluationShardResult>(events.Raised.Last().Json);
        Assert.False(failed.Succeeded);
        Assert.Contains("checkpoints/uncommitted/run-0/epoch-0/, is not committed", failed.Error);
        Assert.Empty((await account.GpuJobs.PeekMessagesAsync()).Value);
    }

    [Fact]
    public async Task AnImagenetteShardScoresTheErasedClassWithTheRequestsClassifier()
    {
        var account = await AccountWithTinyModelAsync("tiny-objects");
        string classifier = Path.Combine(_scratch, "resnet50.onnx");
        TestClassifierModel.Write(classifier);
        await account.Container(StorageNames.Models).GetBlobClient("classifiers/resnet50.onnx").UploadAsync(classifier);

        var report = await RunShardAsync(
            account,
            BaselineShard("objects", "imagenette", nudeNet: null) with
            {
                Limit = 2,
                Classifier = "classifiers/resnet50.onnx",
                Erased = ["tench"],
            }
        );

        Assert.Contains("object-accuracy", report.Metrics);
        Assert.Equal(["tench"], report.Erased);
        var accuracy = report.SummaryOf(EvaluationReport.Edited)!.ObjectAccuracy!;
        Assert.Equal(2, accuracy.Classes.Single().Images);
        Assert.All(report.Images, i => Assert.NotNull(i.PredictedClass));
        // Without a CLIP folder the CLIP score is skipped with the request's field named.
        Assert.Contains(report.Skipped, s => s.Metric == "clip-score" && s.Reason.Contains("evaluation.clip"));
    }

    [Fact]
    public async Task AnI2PShardJudgesEachImageWithQ16AndTheRequestsClip()
    {
        var account = await AccountWithTinyModelAsync("tiny-i2p");
        var models = account.Container(StorageNames.Models);
        string clip = Path.Combine(_scratch, "clip");
        TinyClip.Write(clip, TinyClip.Config, seed: 3);
        await PipelineTestKit.UploadFolderAsync(models, "clip", clip);
        string prompts = Path.Combine(_scratch, "q16.safetensors");
        using (var random = TorchSharp.torch.randn(2, TinyClip.Config.ProjectionDim))
            SafetensorsWriter.Write(prompts, new[] { TorchTensors.ToWrite("prompts", random) });
        await models.GetBlobClient("q16/prompts.safetensors").UploadAsync(prompts);

        var report = await RunShardAsync(
            account,
            BaselineShard("i2p", "i2p", nudeNet: null) with
            {
                Limit = 2,
                Clip = "clip",
                Q16 = "q16/prompts.safetensors",
            }
        );

        Assert.Equal(new[] { "q16" }, report.Metrics);
        Assert.All(report.Images, i => Assert.InRange(i.Q16!.Value, 0, 1));
        var shares = report.SummaryOf(EvaluationReport.Edited)!.Inappropriateness!;
        Assert.Equal((2, false), (shares.Images, shares.WithNudeNet));
        Assert.Contains(report.Skipped, s => s.Metric == "nudenet" && s.Reason.Contains("evaluation.nudenet"));
    }

    /// <summary>A new storage account with the tiny model uploaded as models/tiny.</summary>
    private async Task<StorageAccount> AccountWithTinyModelAsync(string name)
    {
        var account = StorageAccount.Parse(azurite.NewAccount());
        await account.EnsureCreatedAsync();
        string model = Path.Combine(_scratch, name);
        RandomModelFixture.Write(model, FixtureKind.Tiny, seed: 11);
        await PipelineTestKit.UploadFolderAsync(account.Container(StorageNames.Models), "tiny", model);
        return account;
    }

    /// <summary>The original model's shard 1 of a suite for an instance.</summary>
    private static EvaluationShardJob BaselineShard(string instance, string suite, string? nudeNet) =>
        ShardJob(instance, nudeNet) with
        {
            JobId = EvaluationShardJob.IdOf(instance, "baseline", suite, 1),
            EventName = EvaluationShardJob.EventNameOf("baseline", suite, 1, 1),
            Suite = suite,
            Output = EvaluationLayout.ShardPrefix(instance, "baseline", suite, 1),
        };

    /// <summary>One worker runs the shard job; its result must be a success, and its report is read back.</summary>
    private async Task<EvaluationReport> RunShardAsync(StorageAccount account, EvaluationShardJob job)
    {
        var events = new RawEvents();
        using var warm = new WarmEvaluation();
        var worker = new GpuJobWorker(
            account,
            events,
            new ModelCache(account, Path.Combine(_scratch, "cache-" + job.InstanceId)),
            new WarmModels(),
            ComputeThread.Shared,
            new GpuWorkerOptions { MaxJobs = 1, VisibilityTimeout = TimeSpan.FromSeconds(10) },
            evaluation: warm
        );
        await account.GpuJobs.SendMessageAsync(GpuJobMessages.Serialize(job));
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120)))
            await worker.RunAsync(timeout.Token);
        var result = PipelineJson.Deserialize<EvaluationShardResult>(events.Raised.Single().Json);
        Assert.True(result.Succeeded, result.Error);
        var report = await new EvaluationStore(account).TryDownloadAsync(job.Output + EvaluationLayout.ShardReport);
        return EvaluationReport.Parse(report!.ToString());
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
