using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Rece.Erasure;
using Rece.Models.Devices;
using Rece.Orchestration.Jobs;
using Rece.Orchestration.Planning;
using Rece.Orchestration.Requests;
using Rece.Storage;
using Rece.Training;

namespace Rece.Worker;

/// <summary>
/// One epoch of a trained method's run (fewshot: a training epoch; all-but-one: an even share of its steps) as
/// `rece erase` trains it, continued from the previous epoch's state: a run made of these jobs equals the command's
/// run bit for bit. The checkpoint holds the trained tensors as a patch (what evaluation and `rece apply-patch` apply)
/// and the state the next epoch continues from (the tensors, Adam's moments, the generator, the prepared inputs).
/// </summary>
public static class TrainedEpochs
{
    /// <summary>The `rece erase` request the run's settings stand for (its output folder is not used).</summary>
    public static ErasureRequest ToErasureRequest(
        RunSettings settings,
        string modelDirectory,
        string? imagesDirectory,
        ComputeDevice device
    )
    {
        ArgumentNullException.ThrowIfNull(settings);
        var training = settings.Training ?? new TrainingSection();
        return new ErasureRequest
        {
            ModelDirectory = modelDirectory,
            OutputDirectory = modelDirectory + ".unused",
            Concepts = settings.Concepts,
            Method = settings.Method,
            Epochs = settings.Method == PipelineRequestParser.FewShot ? settings.Epochs : null,
            ImagesDirectory = imagesDirectory,
            Template = training.Template,
            LearningRate = training.LearningRate,
            Size = training.Size,
            Seed = training.Seed,
            Alternative = training.Alternative,
            Steps = training.Steps,
            Beta = training.Beta,
            TrainParameters = training.Train,
            Samples = training.Samples,
            Device = device,
        };
    }

    /// <summary>Runs on the compute thread.</summary>
    /// <param name="imagesDirectory">The downloaded images of a fewshot run (null for all-but-one).</param>
    public static EpochCheckpoint Train(
        CachedModel source,
        string? imagesDirectory,
        GpuJob job,
        byte[]? previousState,
        string scratch,
        ComputeDevice device,
        ILogger? log = null
    )
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(job);
        var settings = job.Settings;
        if (job.Epoch < 0 || job.Epoch > settings.EffectiveEpochs)
            throw new ErasureInputException(
                $"Job {job.JobId}: the run has epochs 0..{settings.EffectiveEpochs}, not {job.Epoch}."
            );
        int until = settings.TrainedUntil(job.Epoch);
        int from = job.Epoch == 0 ? 0 : settings.TrainedUntil(job.Epoch - 1);
        Directory.CreateDirectory(scratch);
        string patchPath = Path.Combine(scratch, RecePatch.FileName);
        string statePath = Path.Combine(scratch, CheckpointLayout.State);
        using var resume = job.Epoch == 0 ? null : ReadState(job, previousState, scratch, from);
        var request = ToErasureRequest(settings, source.Directory, imagesDirectory, device);
        string baseModel = $"{StorageNames.Models}/{source.Name}";
        var clock = Stopwatch.StartNew();
        var part =
            settings.Method == PipelineRequestParser.FewShot
                ? FewShotJob.TrainPart(request, until, resume, patchPath, baseModel, log)
                : AllButOneJob.TrainPart(request, until, resume, patchPath, baseModel, log);
        using (part.State)
            part.State.Write(statePath, new Dictionary<string, string> { ["rece.job"] = job.JobId });
        string unit = settings.Method == PipelineRequestParser.FewShot ? "epoch" : "steps";
        var measure = new StageMeasure(
            string.Create(
                CultureInfo.InvariantCulture,
                $"{settings.Method} {unit} {(unit == "epoch" ? $"{until}" : $"{from + 1}-{until}")}"
            ),
            null,
            null,
            part.RelativeWeightChange,
            clock.Elapsed.TotalSeconds
        )
        {
            Loss = part.Losses.Count == 0 ? null : part.Losses.Average(),
        };
        return new EpochCheckpoint(File.ReadAllBytes(patchPath), File.ReadAllBytes(statePath), new[] { measure });
    }

    private static TrainingState ReadState(GpuJob job, byte[]? previousState, string scratch, int from)
    {
        if (previousState is null)
            throw new InvalidOperationException(
                $"Job {job.JobId} resumes from {job.PreviousCheckpoint}, but no state was read."
            );
        string path = Path.Combine(scratch, "previous-" + CheckpointLayout.State);
        File.WriteAllBytes(path, previousState);
        var state = TrainingState.Read(path);
        if (state.Method != job.Settings.Method || state.Completed != from)
        {
            state.Dispose();
            throw new Rece.Models.ModelFormatException(
                $"{job.PreviousCheckpoint}{CheckpointLayout.State} holds a {state.Method} state after {state.Completed}; epoch {job.Epoch} of this {job.Settings.Method} run continues after {from}."
            );
        }
        return state;
    }
}
