using Rece.Engine;
using Rece.Erasure;
using Rece.Models.Safetensors;
using Rece.Orchestration.Jobs;
using Rece.Orchestration.Planning;
using Rece.Storage;
using static TorchSharp.torch;

namespace Rece.Worker;

/// <summary>
/// Erases one epoch of a run with the engine, one <see cref="ReceSession"/> stage per durable step: epoch 0 measures
/// the original model (stage 0) and makes the UCE pass (stage 1); epoch k >= 1 resumes from epoch k-1's saved state
/// (stage k) and makes RECE epoch k (stage k + 1). A resumed session continues bit for bit, so the final patch equals
/// the one `rece erase` writes for the same request.
/// </summary>
public static class EpochEraser
{
    public const string StateFormat = "rece-state/1";

    /// <summary>The state a SPEED job leaves: no tensors, as nothing continues from it.</summary>
    public const string SpeedStateFormat = "speed-state/1";

    public static ErasureRequest ToErasureRequest(RunSettings settings, string modelDirectory) =>
        settings.CopyTo(
            new ErasureRequest
            {
                ModelDirectory = modelDirectory,
                OutputDirectory = modelDirectory + ".unused",
                Concepts = settings.Concepts,
                Preset = settings.Preset,
                Guides = settings.Guides,
                Preserve = settings.Preserve,
                PatchOnly = true,
            }
        ) with
        {
            Epochs = ErasureMethods.HasEpochs(settings.Method) ? settings.Epochs : null,
        };

    /// <summary>Runs on the compute thread.</summary>
    public static EpochCheckpoint Erase(
        WarmModels warm,
        CachedModel source,
        GpuJob job,
        byte[]? previousState,
        string scratch
    )
    {
        if (ErasureMethods.Parse(job.Settings.Method) == ErasureMethod.Speed)
            return EraseSpeed(warm, source, job, scratch);
        // Outside the scope: the warm model and problem outlive this job.
        var (model, resolved, problem) = warm.Get(source, job.Settings);
        using var scope = NewDisposeScope();
        if (job.Epoch > problem.Parameters.EffectiveEpochs)
            throw new ErasureInputException(
                $"Job {job.JobId}: the run has epochs 0..{problem.Parameters.EffectiveEpochs}, not {job.Epoch}."
            );
        var measures = new List<StageMeasure>();
        using var session = job.Epoch == 0 ? ReceSession.Start(problem) : Resume(problem, job, previousState);
        // Epoch 0: stages 0 (original) and 1 (UCE); epoch k: stage k + 1.
        while (session.CompletedStage < job.Epoch + 1)
        {
            measures.Add(Measure(session.Step()));
        }

        Directory.CreateDirectory(scratch);
        string patchPath = Path.Combine(scratch, RecePatch.FileName);
        string statePath = Path.Combine(scratch, "state.safetensors");
        var factor = FactorApplication.ToStoredPrecision(session.Factor);
        WritePatch(model.Loaded.CreatePatch(factor, resolved, model.Bases), source, patchPath);

        using var state = session.State;
        SafetensorsWriter.Write(
            statePath,
            new[]
            {
                TorchTensors.ToWrite("P", state.Factor),
                TorchTensors.ToWrite("H", state.GramTimesFactor),
                TorchTensors.ToWrite("K", state.FactorGramFactor),
            },
            new Dictionary<string, string>
            {
                ["rece.format"] = StateFormat,
                ["rece.completed_stage"] = session.CompletedStage.ToString(
                    System.Globalization.CultureInfo.InvariantCulture
                ),
                ["rece.job"] = job.JobId,
            }
        );
        return new EpochCheckpoint(File.ReadAllBytes(patchPath), File.ReadAllBytes(statePath), measures);
    }

    /// <summary>SPEED is one edit: its only job (epoch 0) measures the original model and makes it.</summary>
    private static EpochCheckpoint EraseSpeed(WarmModels warm, CachedModel source, GpuJob job, string scratch)
    {
        if (job.Epoch != 0)
            throw new ErasureInputException($"Job {job.JobId}: a SPEED run has epoch 0 only, not {job.Epoch}.");
        var model = warm.Model(source);
        using var scope = NewDisposeScope();
        var resolved = ResolvedErasure.From(ToErasureRequest(job.Settings, source.Directory));
        var (factors, stages) = SpeedErasure.Run(model.Loaded, resolved, cache: warm.Embeddings);
        Directory.CreateDirectory(scratch);
        string patchPath = Path.Combine(scratch, RecePatch.FileName);
        string statePath = Path.Combine(scratch, "state.safetensors");
        WritePatch(model.Loaded.CreatePatch(factors, resolved, model.Bases), source, patchPath);
        // Nothing resumes after SPEED's one stage; the state records only that it is done.
        SafetensorsWriter.Write(
            statePath,
            Array.Empty<TensorToWrite>(),
            new Dictionary<string, string>
            {
                ["rece.format"] = SpeedStateFormat,
                ["rece.completed_stage"] = "1",
                ["rece.job"] = job.JobId,
            }
        );
        return new EpochCheckpoint(
            File.ReadAllBytes(patchPath),
            File.ReadAllBytes(statePath),
            stages.Select(Measure).ToList()
        );
    }

    private static StageMeasure Measure(StageMeasures m) =>
        new(m.Stage, m.RecoveredConceptResidual, m.PreservationDrift, m.RelativeWeightChange, m.Seconds);

    /// <summary>Writes <paramref name="made"/>, naming the model's folder in the models container as its base: the
    /// worker's cache path means nothing to a reader.</summary>
    private static void WritePatch(RecePatch made, CachedModel source, string path)
    {
        var description = new Dictionary<string, string>(made.Description)
        {
            ["rece.base_model"] = $"{StorageNames.Models}/{source.Name}",
        };
        new RecePatch(made.Factors, made.Targets, made.Bases, description).Write(path);
    }

    private static ReceSession Resume(ErasureProblem problem, GpuJob job, byte[]? previousState)
    {
        if (previousState is null)
            throw new InvalidOperationException(
                $"Job {job.JobId} resumes from {job.PreviousCheckpoint}, but no state was read."
            );
        string path = Path.Combine(Path.GetTempPath(), $"rece-state-{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, previousState);
        try
        {
            using var file = SafetensorsFile.Open(path);
            if (!file.Metadata.TryGetValue("rece.format", out var format) || format != StateFormat)
                throw new Rece.Models.ModelFormatException(
                    $"{job.PreviousCheckpoint}{Orchestration.Jobs.CheckpointLayout.State} is not a RECE engine state ({StateFormat})."
                );
            int stage = int.Parse(
                file.Metadata["rece.completed_stage"],
                System.Globalization.CultureInfo.InvariantCulture
            );
            if (stage != job.Epoch)
                throw new Rece.Models.ModelFormatException(
                    $"{job.PreviousCheckpoint} holds the state after stage {stage}; epoch {job.Epoch} resumes after stage {job.Epoch}."
                );
            using var p = TorchTensors.Read(file, file["P"]);
            using var h = TorchTensors.Read(file, file["H"]);
            using var k = TorchTensors.Read(file, file["K"]);
            return ReceSession.Resume(problem, stage, new SharedFactorState(p, h, k));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
