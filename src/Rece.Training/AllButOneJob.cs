using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Rece.Core.Settings;
using Rece.Engine;
using Rece.Erasure;
using Rece.Generation;
using Rece.Models.Devices;
using Rece.Models.Schedulers;
using static TorchSharp.torch;

namespace Rece.Training;

/// <summary>
/// `rece erase --method all-but-one`: a model folder, a concept and its alternative in; the edited model (only the
/// U-Net weights file it loaded rewritten, with the trained tensors; everything else linked) and a report with the
/// loss of every step out. Every input is checked before any heavy work; the output appears only when complete; the
/// input is only read.
/// </summary>
public static class AllButOneJob
{
    public static ErasureReport Run(ErasureRequest request, ILogger? log = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var total = Stopwatch.StartNew();
        var timings = new StageTimer();
        var plan = Check(request, timings);
        OutputFolder.Check(request.OutputDirectory, request.Force, request.ModelDirectory);
        var (files, settings, concept, alternative, device) = (
            plan.Files,
            plan.Settings,
            plan.Concept,
            plan.Alternative,
            plan.Device
        );

        using var scope = NewDisposeScope();
        using var pipeline = timings.Time("loadModel", () =>
            StableDiffusionPipeline.Load(files, log: log, device: device)
        );
        int size = SizeOf(request, pipeline);
        var (conceptEmbedding, alternativeEmbedding, emptyEmbedding) = Embeddings(pipeline, plan);
        log?.GeneratingTrajectories(settings.Samples, concept, size, settings.SampleSteps);
        var (trajectories, timesteps) = timings.Time("generateSamples", () =>
            Trajectories(pipeline, conceptEmbedding, size, settings)
        );
        var trained = AllButOne.TrainedWeights(pipeline.UNet.Config, settings.Parameters);
        log?.TrainingAllButOne(concept, alternative, trained.Count, settings.Steps);
        var losses = timings.Time("train", () =>
            AllButOne.Train(
                pipeline.UNet,
                trajectories,
                timesteps,
                conceptEmbedding,
                alternativeEmbedding,
                emptyEmbedding,
                settings,
                (step, loss) => LogStep(log, step, loss, settings.Steps)
            )
        );

        using var output = OutputFolder.Begin(request.OutputDirectory, request.Force, request.ModelDirectory);
        var (written, skipped, patchFile) = TrainedPatches.WriteModel(
            files.Model,
            files.UNetWeights,
            trained.ToDictionary(name => name, name => pipeline.UNet.Weights[name]),
            ErasureMethod.AllButOne,
            concept,
            output,
            timings
        );
        var report = new ErasureReport
        {
            Command = "erase",
            CreatedUtc = DateTimeOffset.UtcNow,
            Inputs = new ReportInputs(
                files.Model.Root,
                new[] { concept },
                new[] { alternative },
                Array.Empty<string>(),
                null,
                null
            ),
            Model = new ReportModel(
                files.Model.Architecture,
                files.Model.EmbeddingDim,
                0,
                new[] { ReportWeightsFile.Of(files.Model.Root, files.UNetWeights) },
                ReportWeightsFile.Of(files.Model.Root, files.Model.TextEncoderWeightsPath)
            ),
            Training = new ReportTraining(
                ErasureMethod.AllButOne.Name(),
                size,
                settings.LearningRate,
                settings.Seed,
                trained,
                losses
            )
            {
                Alternative = alternative,
                Beta = settings.Beta,
                Parameters = settings.Parameters,
                Samples = settings.Samples,
                SampleSteps = settings.SampleSteps,
                Guidance = settings.Guidance,
            },
            Timings = timings.WithTotal(total.Elapsed.TotalSeconds),
            Outputs = new ReportOutputs(output.Destination, patchFile, Array.Empty<WrittenWeights>(), skipped, false)
            {
                UNet = written,
            },
            PeakResidentBytes = ProcessMemory.PeakResidentBytes(),
            Device = device.Info,
        };
        File.WriteAllText(output.PathOf(ErasureReport.FileName), report.ToJson());
        output.Commit();
        return report;
    }

    /// <summary>
    /// One part of the run as a pipeline job makes it: training up to step <paramref name="untilStep"/>, continued
    /// from <paramref name="resume"/> (null: from the start, generating the trajectories), on the model folder of
    /// <paramref name="request"/> (whose output folder is not used). Writes the part's patch to
    /// <paramref name="patchPath"/> (its description naming <paramref name="baseModel"/>) and returns the state the
    /// next part continues from.
    /// </summary>
    public static TrainedPart TrainPart(
        ErasureRequest request,
        int untilStep,
        TrainingState? resume,
        string patchPath,
        string baseModel,
        ILogger? log = null
    )
    {
        ArgumentNullException.ThrowIfNull(request);
        var timings = new StageTimer();
        var plan = Check(request, timings);
        using var scope = NewDisposeScope();
        using var pipeline = StableDiffusionPipeline.Load(plan.Files, log: log, device: plan.Device);
        int size = SizeOf(request, pipeline);
        var (conceptEmbedding, alternativeEmbedding, emptyEmbedding) = Embeddings(pipeline, plan);
        Tensor trajectories;
        IReadOnlyList<double> timesteps;
        if (resume is null)
        {
            log?.GeneratingTrajectories(plan.Settings.Samples, plan.Concept, size, plan.Settings.SampleSteps);
            (trajectories, timesteps) = Trajectories(pipeline, conceptEmbedding, size, plan.Settings);
        }
        else
        {
            trajectories = resume.Input("trajectories");
            timesteps = resume.Input("timesteps").data<double>().ToArray();
        }
        var trained = AllButOne.TrainedWeights(pipeline.UNet.Config, plan.Settings.Parameters);
        log?.TrainingAllButOne(plan.Concept, plan.Alternative, trained.Count, untilStep - (resume?.Completed ?? 0));
        TrainingState state;
        try
        {
            state = AllButOne.TrainUntil(
                pipeline.UNet,
                trajectories,
                timesteps,
                conceptEmbedding,
                alternativeEmbedding,
                emptyEmbedding,
                plan.Settings,
                untilStep,
                resume,
                (step, loss) => LogStep(log, step, loss, untilStep)
            );
        }
        catch (ArgumentException e)
        {
            throw new ErasureInputException($"The run's state does not continue this request: {e.Message}");
        }
        return TrainedPatches.Part(
            plan.Files.Model,
            plan.Files.UNetWeights,
            trained.ToDictionary(name => name, name => pipeline.UNet.Weights[name]),
            ErasureMethod.AllButOne,
            plan.Concept,
            patchPath,
            baseModel,
            state,
            resume
        );
    }

    private static void LogStep(ILogger? log, int step, double loss, int steps)
    {
        if (step % 10 == 0 || step == steps - 1)
            log?.AllButOneStep(step + 1, steps, loss);
    }

    private sealed record Plan(
        string Concept,
        string Alternative,
        AllButOneSettings Settings,
        ModelFiles Files,
        ComputeDevice Device
    );

    /// <summary>Every input checked, nothing heavy loaded.</summary>
    private static Plan Check(ErasureRequest request, StageTimer timings)
    {
        MethodInputs.Check(request, ErasureMethod.AllButOne);
        if (request.Concepts.Count != 1 || string.IsNullOrWhiteSpace(request.Concepts[0]))
            throw new ErasureInputException(
                "--method all-but-one erases one concept at a time: name exactly one --concept, e.g. --concept \"golf ball\"."
            );
        string concept = request.Concepts[0].Trim();
        string alternative = request.Alternative?.Trim()
            ?? throw new ErasureInputException(
                "--method all-but-one maps the concept onto another: give --alternative TEXT, e.g. --concept \"golf ball\" --alternative \"ball\" (\"\" for the unconditional score)."
            );
        if (string.Equals(alternative, concept, StringComparison.OrdinalIgnoreCase))
            throw new ErasureInputException(
                $"--alternative is the concept itself (\"{concept}\"): nothing would be erased; name a different concept to take its place."
            );
        var defaults = new AllButOneSettings();
        var settings = defaults with
        {
            Steps = request.Steps ?? defaults.Steps,
            LearningRate = request.LearningRate ?? defaults.LearningRate,
            Beta = request.Beta ?? defaults.Beta,
            Parameters = request.TrainParameters ?? defaults.Parameters,
            Samples = request.Samples ?? defaults.Samples,
            Seed = request.Seed ?? 0,
        };
        try
        {
            settings.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw ErasureInputException.From(e);
        }
        var files = timings.Time("openModel", () => ModelFiles.Locate(request.ModelDirectory));
        return new Plan(concept, alternative, settings, files, request.Device ?? ComputeDevice.Cpu);
    }

    private static int SizeOf(ErasureRequest request, StableDiffusionPipeline pipeline)
    {
        int size = request.Size ?? pipeline.DefaultSize;
        if (size < pipeline.SizeMultiple || size % pipeline.SizeMultiple != 0 || size > TrainingDefaults.MaxSize)
            throw new ErasureInputException(
                $"--size must be a multiple of {pipeline.SizeMultiple} (the VAE's factor) up to {TrainingDefaults.MaxSize} (got {size})."
            );
        return size;
    }

    /// <summary>The concept's, the alternative's and the empty prompt's embeddings [1, 77, d]: encoded under inference
    /// mode, cloned outside it, since autograd may not save inference tensors.</summary>
    private static (Tensor Concept, Tensor Alternative, Tensor Empty) Embeddings(
        StableDiffusionPipeline pipeline,
        Plan plan
    )
    {
        using var embeddings = pipeline.EncodePrompts(new[] { plan.Concept, plan.Alternative, "" });
        return (
            embeddings.narrow(0, 0, 1).clone(),
            embeddings.narrow(0, 1, 1).clone(),
            embeddings.narrow(0, 2, 1).clone()
        );
    }

    /// <summary>
    /// The original model's DDIM sampling of the concept, every step's latents kept as the U-Net took them: the
    /// training data ([samples, steps, C, h, w] on the CPU) and the timestep of each step.
    /// </summary>
    private static (Tensor Latents, IReadOnlyList<double> Timesteps) Trajectories(
        StableDiffusionPipeline pipeline,
        Tensor concept,
        int size,
        AllButOneSettings settings
    )
    {
        var steps = new List<Tensor>();
        var timesteps = new List<double>();
        pipeline
            .Denoise(
                concept.expand(settings.Samples, -1, -1),
                Enumerable.Range(0, settings.Samples).Select(i => unchecked((ulong)(settings.Seed + i))).ToList(),
                Enumerable.Repeat(settings.Guidance, settings.Samples).ToList(),
                size,
                size,
                settings.SampleSteps,
                SchedulerKind.Ddim,
                onModelInput: (latents, timestep) =>
                {
                    // Kept beyond the sampler step's dispose scope.
                    steps.Add(latents.to(ScalarType.Float32, CPU).clone().DetachFromDisposeScope());
                    timesteps.Add(timestep);
                }
            )
            .Dispose();
        // Stacked outside inference mode: the result is an ordinary tensor that autograd may use.
        var trajectories = stack(steps, 1);
        foreach (var step in steps)
            step.Dispose();
        return (trajectories, timesteps);
    }
}
