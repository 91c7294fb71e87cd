using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Rece.Engine;
using Rece.Models.Diffusers;
using Rece.Models.Safetensors;
using static TorchSharp.torch;

namespace Rece.Erasure;

/// <summary>
/// `rece erase`: model folder in, edited model folder (or only the patch) and report out. Every input is checked before
/// any heavy work; the output appears only when complete; the input is only read.
/// </summary>
public static class ErasureJob
{
    public static ErasureReport Run(ErasureRequest request, ILogger? log = null)
    {
        var total = Stopwatch.StartNew();
        var timings = new StageTimer();
        var resolved = ResolvedErasure.From(request);
        OutputFolder.Check(request.OutputDirectory, request.Force, request.ModelDirectory);
        var model = timings.Time("openModel", () => DiffusersModel.Open(request.ModelDirectory));

        using var scope = NewDisposeScope();
        var device = request.Device ?? Rece.Models.Devices.ComputeDevice.Cpu;
        log?.Device(device);
        using var loaded = LoadedBaseModel.Load(model, timings, log, device);
        var cache = EmbeddingCache.Default(request.EmbeddingCache);
        log?.Erasing(
            string.Join(", ", resolved.Concepts.Select(c => $"\"{c}\"")),
            resolved.Parameters.Method.Name().ToUpperInvariant(),
            resolved.Parameters.EffectiveEpochs > 0 ? $" ({resolved.Parameters.EffectiveEpochs} epochs)" : ""
        );
        IReadOnlyList<PatchFactor> factors;
        IReadOnlyList<StageMeasures> stages;
        if (resolved.Speed is not null)
        {
            (factors, stages) = SpeedErasure.Run(loaded, resolved, timings, log, cache);
        }
        else
        {
            using var problem = loaded.CreateProblem(resolved, timings, log, cache);
            using var result = timings.Time("erasureMath", () =>
                ReceAlgorithm.Run(problem, stage =>
                    log?.Stage(
                        stage.Stage,
                        stage.RecoveredConceptResidual,
                        stage.PreservationDrift,
                        stage.RelativeWeightChange
                    )
                )
            );
            var shared = FactorApplication.ToStoredPrecision(result.SharedFactor);
            factors = new[] { new PatchFactor(shared, loaded.Kv.Infos.Select(i => i.Name).ToList()) };
            stages = result.Stages;
        }
        // G0 is formed in the background while the text encoder loads; this figure adds it back.
        timings.Add("erasureMathWithGram", timings["erasureMath"] + timings["gramBackground"]);
        return Write(request, resolved, loaded, factors, stages, timings, total, log);
    }

    private static ErasureReport Write(
        ErasureRequest request,
        ResolvedErasure resolved,
        LoadedBaseModel loaded,
        IReadOnlyList<PatchFactor> factors,
        IReadOnlyList<StageMeasures> stages,
        StageTimer timings,
        Stopwatch total,
        ILogger? log
    )
    {
        var (model, primary, kv) = (loaded.Model, loaded.Primary, loaded.Kv);
        using var output = OutputFolder.Begin(request.OutputDirectory, request.Force, request.ModelDirectory);
        var edits = request.PatchOnly
            ? new List<(UNetWeightsFile, KvMatrices)>()
            : SelectVariants(model, primary, kv, log);
        var patch = loaded.CreatePatch(factors, resolved, request.PatchOnly ? null : edits);
        IReadOnlyList<WrittenWeights> written = Array.Empty<WrittenWeights>();
        IReadOnlyList<EditedModelWriter.Skipped> skipped = Array.Empty<EditedModelWriter.Skipped>();
        if (!request.PatchOnly)
        {
            written = timings.Time("writeUNet", () =>
                EditedModelWriter.WriteUNetWeights(model, output.TemporaryPath, patch, edits, log)
            );
            skipped = timings.Time("copyComponents", () =>
                EditedModelWriter.CopyOtherFiles(model, output.TemporaryPath, edits.Select(e => e.Item1).ToList())
            );
            foreach (var (_, variantKv) in edits.Where(e => !ReferenceEquals(e.Item2, kv)))
                variantKv.Dispose();
        }

        string patchPath = output.PathOf(RecePatch.FileName);
        timings.Time("writePatch", () => patch.Write(patchPath));

        var report = new ErasureReport
        {
            Command = "erase",
            CreatedUtc = DateTimeOffset.UtcNow,
            Inputs = new ReportInputs(
                model.Root,
                resolved.Concepts,
                resolved.Guides,
                resolved.Preserve,
                request.PreserveFile is null ? null : Path.GetFullPath(request.PreserveFile),
                resolved.Preset.Name
            ),
            Parameters = ReportParameters.From(resolved.Parameters, resolved.Preserve.Count, resolved.Speed),
            Model = DescribeModel(model, kv, edits.Count > 0 ? edits : new() { (primary, kv) }),
            Stages = stages,
            Timings = timings.WithTotal(total.Elapsed.TotalSeconds),
            Outputs = new ReportOutputs(
                output.Destination,
                new ReportFile(RecePatch.FileName, new FileInfo(patchPath).Length, RecePatch.FileSha256(patchPath)),
                written,
                skipped,
                request.PatchOnly
            ),
            PeakResidentBytes = ProcessMemory.PeakResidentBytes(),
            Device = loaded.Device.Info,
        };
        File.WriteAllText(output.PathOf(ErasureReport.FileName), report.ToJson());
        output.Commit();
        return report;
    }

    /// <summary>
    /// The primary weights file, plus every other safetensors variant holding the same weights at another precision
    /// (fp16). A variant with different weights (e.g. non-EMA) would need its own erasure: it is left out of the
    /// output.
    /// </summary>
    private static List<(UNetWeightsFile, KvMatrices)> SelectVariants(
        DiffusersModel model,
        UNetWeightsFile primary,
        KvMatrices primaryKv,
        ILogger? log
    )
    {
        var edits = new List<(UNetWeightsFile, KvMatrices)> { (primary, primaryKv) };
        foreach (var variant in model.UNetWeights.Skip(1))
        {
            using var file = SafetensorsFile.Open(variant.Path);
            var variantKv = KvMatrices.Read(file, model.UNet);
            double difference = variantKv.RelativeDifference(primaryKv);
            if (difference < 1e-2)
            {
                edits.Add((variant, variantKv));
            }
            else
            {
                log?.VariantLeftOut(variant.FileName, primary.FileName, difference);
                variantKv.Dispose();
            }
        }
        return edits;
    }

    internal static ReportModel DescribeModel(
        DiffusersModel model,
        KvMatrices kv,
        IReadOnlyList<(UNetWeightsFile File, KvMatrices Kv)> files
    )
    {
        return new ReportModel(
            model.Architecture,
            model.EmbeddingDim,
            kv.Tensors.Count,
            files
                .Select(f => ReportWeightsFile.Of(model.Root, f.File.Path, f.Kv.DType.ToString(), f.Kv.Sha256))
                .ToList(),
            ReportWeightsFile.Of(model.Root, model.TextEncoderWeightsPath)
        );
    }
}
