using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Rece.Models;
using Rece.Models.Diffusers;
using Rece.Models.Safetensors;
using static TorchSharp.torch;

namespace Rece.Erasure;

/// <summary>`rece apply-patch`: rebuilds the edited model from its base and a patch, refusing a patch made for another
/// base.</summary>
public static class PatchJob
{
    public static ErasureReport Apply(
        string modelDirectory,
        string patchPath,
        string outputDirectory,
        bool force,
        ILogger? log = null
    )
    {
        var total = Stopwatch.StartNew();
        var timings = new StageTimer();
        OutputFolder.Check(outputDirectory, force, modelDirectory);
        var model = timings.Time("openModel", () => DiffusersModel.Open(modelDirectory));
        using var scope = NewDisposeScope();
        if (TrainedWeightsPatch.IsOne(patchPath))
            return ApplyTrainedWeights(model, patchPath, outputDirectory, force, timings, total);
        using var patch = timings.Time("readPatch", () => RecePatch.Read(patchPath));
        if (patch.Dimension != model.EmbeddingDim)
            throw new ErasureInputException(
                $"The patch {patchPath} is for a model with d={patch.Dimension}, but {model.Root} has d={model.EmbeddingDim}: it was made for another base model."
            );

        var edits = new List<(UNetWeightsFile, KvMatrices)>();
        var files = new List<SafetensorsFile>();
        try
        {
            foreach (var patchBase in patch.Bases)
            {
                var weights = model.UNetWeights.FirstOrDefault(w =>
                    Path.GetRelativePath(model.Root, w.Path) == patchBase.File
                )
                    ?? throw new ErasureInputException(
                        $"The patch applies to {patchBase.File}, which {model.Root} does not have: it was made for another base model."
                    );
                var file = SafetensorsFile.Open(weights.Path);
                files.Add(file);
                var kv = timings.Time("readKv", () => KvMatrices.Read(file, model.UNet));
                edits.Add((weights, kv));
                if (!kv.Infos.Select(i => i.Name).SequenceEqual(patch.Targets))
                    throw new ErasureInputException(
                        $"The patch edits other tensors than {patchBase.File} holds: it was made for another base model."
                    );
                if (kv.Sha256 != patchBase.KvSha256)
                    throw new ErasureInputException(
                        $"The patch was made for another base model: the K/V matrices of {patchBase.File} have SHA-256 {kv.Sha256}, the patch expects {patchBase.KvSha256}."
                    );
            }
            if (edits.Count == 0)
                throw new ModelFormatException($"{patchPath} names no base weights file.");

            using var output = OutputFolder.Begin(outputDirectory, force, modelDirectory);
            var written = timings.Time("writeUNet", () =>
                EditedModelWriter.WriteUNetWeights(model, output.TemporaryPath, patch, edits, log)
            );
            var skipped = timings.Time("copyComponents", () =>
                EditedModelWriter.CopyOtherFiles(model, output.TemporaryPath, edits.Select(e => e.Item1).ToList())
            );
            var copiedPatch = CopyPatch(patchPath, output);
            var report = new ErasureReport
            {
                Command = "apply-patch",
                CreatedUtc = DateTimeOffset.UtcNow,
                Inputs = Inputs(model, patchPath),
                Model = ErasureJob.DescribeModel(model, edits[0].Item2, edits),
                Timings = timings.WithTotal(total.Elapsed.TotalSeconds),
                Outputs = new ReportOutputs(output.Destination, copiedPatch, written, skipped, PatchOnly: false),
                PeakResidentBytes = ProcessMemory.PeakResidentBytes(),
            };
            File.WriteAllText(output.PathOf(ErasureReport.FileName), report.ToJson());
            output.Commit();
            return report;
        }
        finally
        {
            foreach (var (_, kv) in edits)
                kv.Dispose();
            foreach (var file in files)
                file.Dispose();
        }
    }

    /// <summary>A trained method's patch: the weights file it names rewritten with its tensors, the rest
    /// linked.</summary>
    private static ErasureReport ApplyTrainedWeights(
        DiffusersModel model,
        string patchPath,
        string outputDirectory,
        bool force,
        StageTimer timings,
        Stopwatch total
    )
    {
        using var patch = timings.Time("readPatch", () => TrainedWeightsPatch.Read(patchPath));
        string weightsPath = patch.Locate(model, $"The patch {patchPath}");
        using var output = OutputFolder.Begin(outputDirectory, force, model.Root);
        var (written, skipped) = EditedModelWriter.WriteTrainedModel(
            model,
            output.TemporaryPath,
            weightsPath,
            patch.Weights,
            timings
        );
        var copiedPatch = CopyPatch(patchPath, output);
        var report = new ErasureReport
        {
            Command = "apply-patch",
            CreatedUtc = DateTimeOffset.UtcNow,
            Inputs = Inputs(model, patchPath),
            Model = new ReportModel(
                model.Architecture,
                model.EmbeddingDim,
                0,
                model.UNetWeights.Select(w => ReportWeightsFile.Of(model.Root, w.Path)).ToList(),
                ReportWeightsFile.Of(model.Root, model.TextEncoderWeightsPath)
            ),
            Timings = timings.WithTotal(total.Elapsed.TotalSeconds),
            Outputs = new ReportOutputs(
                output.Destination,
                copiedPatch,
                Array.Empty<WrittenWeights>(),
                skipped,
                PatchOnly: false
            )
            {
                TextEncoder = patch.Component == DiffusersModel.TextEncoderFolder ? written : null,
                UNet = patch.Component == DiffusersModel.UNetFolder ? written : null,
            },
            PeakResidentBytes = ProcessMemory.PeakResidentBytes(),
        };
        File.WriteAllText(output.PathOf(ErasureReport.FileName), report.ToJson());
        output.Commit();
        return report;
    }

    /// <summary>What an applied patch's report names as its inputs: the base model and the patch.</summary>
    private static ReportInputs Inputs(DiffusersModel model, string patchPath) =>
        new(
            model.Root,
            Array.Empty<string>(),
            Array.Empty<string>(),
            Array.Empty<string>(),
            null,
            null,
            Path.GetFullPath(patchPath)
        );

    /// <summary>The patch copied beside the model it rebuilt, as `rece erase` leaves it.</summary>
    private static ReportFile CopyPatch(string patchPath, OutputFolder output)
    {
        string copied = output.PathOf(RecePatch.FileName);
        File.Copy(patchPath, copied);
        return new ReportFile(RecePatch.FileName, new FileInfo(copied).Length, RecePatch.FileSha256(copied));
    }
}
