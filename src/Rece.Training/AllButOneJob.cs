using System.Diagnostics;
using Microsoft.Extensions.Logging;
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
        OutputFolder.Check(request.OutputDirectory, request.Force, request.ModelDirectory);
        var files = timings.Time("openModel", () => ModelFiles.Locate(request.ModelDirectory));
        var device = request.Device ?? ComputeDevice.Cpu;

        using var scope = NewDisposeScope();
        using var pipeline = timings.Time("loadModel", () =>
            StableDiffusionPipeline.Load(files, log: log, device: device)
        );
        int size = request.Size ?? pipeline.DefaultSize;
        if (size < pipeline.SizeMultiple || size % pipeline.SizeMultiple != 0 || size > 2048)
            throw new ErasureInputException(
                $"--size must be a multiple of {pipeline.SizeMultiple} (the VAE's factor) up to 2048 (got {size})."
            );
        // Encoded under inference mode; cloned outside it, since autograd may not save inference tensors.
        using var embeddings = pipeline.EncodePrompts(new[] { concept, alternative, "" });
        var (conceptEmbedding, alternativeEmbedding, emptyEmbedding) = (
            embeddings.narrow(0, 0, 1).clone(),
            embeddings.narrow(0, 1, 1).clone(),
            embeddings.narrow(0, 2, 1).clone()
        );

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
                (step, loss) =>
                {
                    if (step % 10 == 0 || step == settings.Steps - 1)
                        log?.AllButOneStep(step + 1, settings.Steps, loss);
                }
            )
        );

        using var output = OutputFolder.Begin(request.OutputDirectory, request.Force, request.ModelDirectory);
        var weightsFile = files.Model.UNetWeights.First(w => w.Path == files.UNetWeights);
        var written = timings.Time("writeUNet", () =>
            EditedModelWriter.WriteTrainedWeights(
                files.Model,
                output.TemporaryPath,
                files.UNetWeights,
                trained.ToDictionary(name => name, name => pipeline.UNet.Weights[name])
            )
        );
        var skipped = timings.Time("copyComponents", () =>
            EditedModelWriter.CopyOtherFiles(files.Model, output.TemporaryPath, new[] { weightsFile })
        );
        var patchFile = timings.Time("writePatch", () =>
            TrainedPatches.Write(
                files.Model,
                files.UNetWeights,
                trained.ToDictionary(name => name, name => pipeline.UNet.Weights[name]),
                ErasureMethod.AllButOne,
                concept,
                output.PathOf(RecePatch.FileName)
            )
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
