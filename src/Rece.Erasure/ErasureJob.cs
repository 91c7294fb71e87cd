using System.Diagnostics;
using System.Security.Cryptography;
using Rece.Engine;
using Rece.Models.Diffusers;
using Rece.Models.Safetensors;
using Rece.Models.TextEncoder;
using Rece.Models.Tokenization;
using static TorchSharp.torch;

namespace Rece.Erasure;

/// <summary>
/// `rece erase`: model folder in, edited model folder (or only the patch) and report out. Every input is checked before
/// any heavy work; the output appears only when complete; the input is only read.
/// </summary>
public static class ErasureJob
{
    public static ErasureReport Run(ErasureRequest request, Action<string>? log = null)
    {
        var total = Stopwatch.StartNew();
        var timings = new StageTimer();
        var resolved = ResolvedErasure.From(request);
        OutputFolder.Check(request.OutputDirectory, request.Force, request.ModelDirectory);
        var model = timings.Time("openModel", () => DiffusersModel.Open(request.ModelDirectory));

        // G0 depends only on the base model: read the K/V matrices and form it while the tokenizer and the text encoder load
        // (mostly single-threaded I/O), so the erasure itself starts as soon as the embeddings exist.
        var primary = model.UNetWeights[0];
        log?.Invoke($"reading the cross-attention K/V matrices of unet/{primary.FileName} and forming G0 in the background");
        var weightsTask = Task.Run(() => BaseWeights.Read(primary, model.UNet));
        BaseWeights? weights = null;
        try
        {
            using var scope = NewDisposeScope();
            var tokenizer = timings.Time("loadTokenizer", () => ClipTokenizer.FromFolder(model.TokenizerDirectory));
            log?.Invoke($"loading the text encoder ({model.TextEncoder.NumHiddenLayers} layers, d={model.EmbeddingDim})");
            using var encoder = timings.Time("loadTextEncoder", () => ClipTextEncoder.Load(model.TextEncoderConfigPath, model.TextEncoderWeightsPath));
            var texts = resolved.Concepts.Concat(resolved.Guides).Concat(resolved.Preserve).Append("").Append(" ");
            var embeddings = timings.Time("encodeTexts", () => TextEmbeddings.Encode(tokenizer, encoder, texts, log));
            weights = timings.Time("waitForGram", () => weightsTask.GetAwaiter().GetResult());
            timings.Add("readKvBackground", weights.ReadSeconds);
            timings.Add("gramBackground", weights.GramSeconds);
            var kv = weights.Kv;

            var concepts = resolved.Concepts.Select((c, i) =>
            {
                var concept = embeddings[c];
                var guide = embeddings[resolved.Guides[i]];
                return new ConceptToErase(c, concept.Embedding, concept.WordCount, guide.Text, guide.Embedding, guide.WordCount);
            }).ToList();
            log?.Invoke($"erasing {string.Join(", ", resolved.Concepts.Select(c => $"\"{c}\""))} with {resolved.Parameters.Method.ToString().ToUpperInvariant()}" +
                        (resolved.Parameters.EffectiveEpochs > 0 ? $" ({resolved.Parameters.EffectiveEpochs} epochs)" : ""));
            using var result = timings.Time("erasureMath", () => ReceAlgorithm.Run(
                weights.Gram, concepts, embeddings[""].Embedding, embeddings[" "].Embedding,
                resolved.Preserve.Select(p => embeddings[p].Embedding).ToList(), resolved.Parameters,
                stage => log?.Invoke($"  {stage.Stage,-13} residual {stage.RecoveredConceptResidual:F4}  drift {stage.PreservationDrift:F4}  weight change {stage.RelativeWeightChange:F4}")));
            timings.Add("erasureMathWithGram", timings["erasureMath"] + weights.GramSeconds);
            return Write(request, resolved, model, primary, kv, result, timings, total, log);
        }
        finally
        {
            (weights ?? TryResult(weightsTask))?.Dispose();
        }
    }

    /// <summary>The base model's K/V matrices and their G0, with the time each took.</summary>
    private sealed record BaseWeights(KvMatrices Kv, Tensor Gram, double ReadSeconds, double GramSeconds) : IDisposable
    {
        public static BaseWeights Read(UNetWeightsFile weights, Models.UNet.UNetConfig config)
        {
            var clock = Stopwatch.StartNew();
            using var file = SafetensorsFile.Open(weights.Path);
            var kv = KvMatrices.Read(file, config);
            double read = clock.Elapsed.TotalSeconds;
            clock.Restart();
            try
            {
                return new BaseWeights(kv, kv.Gram(), read, clock.Elapsed.TotalSeconds);
            }
            catch
            {
                kv.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            Kv.Dispose();
            Gram.Dispose();
        }
    }

    private static BaseWeights? TryResult(Task<BaseWeights> task)
    {
        try
        {
            task.Wait();
            return task.Result;
        }
        catch (AggregateException)
        {
            return null; // the failure that matters is the one already propagating
        }
    }

    private static ErasureReport Write(ErasureRequest request, ResolvedErasure resolved, DiffusersModel model, UNetWeightsFile primary, KvMatrices kv,
        ErasureResult result, StageTimer timings, Stopwatch total, Action<string>? log)
    {
        var factor = FactorApplication.ToStoredPrecision(result.SharedFactor);

        using var output = OutputFolder.Begin(request.OutputDirectory, request.Force, request.ModelDirectory);
        var edits = request.PatchOnly ? new List<(UNetWeightsFile, KvMatrices)>() : SelectVariants(model, primary, kv, log);
        IReadOnlyList<WrittenWeights> written = Array.Empty<WrittenWeights>();
        IReadOnlyList<EditedModelWriter.Skipped> skipped = Array.Empty<EditedModelWriter.Skipped>();
        if (!request.PatchOnly)
        {
            written = timings.Time("writeUNet", () => EditedModelWriter.WriteUNetWeights(model, output.TemporaryPath, factor, edits, log));
            skipped = timings.Time("copyComponents", () => EditedModelWriter.CopyOtherFiles(model, output.TemporaryPath, edits.Select(e => e.Item1).ToList()));
            foreach (var (_, variantKv) in edits.Where(e => !ReferenceEquals(e.Item2, kv)))
                variantKv.Dispose();
        }

        var description = new Dictionary<string, string>
        {
            ["rece.method"] = resolved.Parameters.Method.ToString().ToLowerInvariant(),
            ["rece.concepts"] = System.Text.Json.JsonSerializer.Serialize(resolved.Concepts),
            ["rece.base_model"] = model.Root,
        };
        var bases = (request.PatchOnly ? new List<(UNetWeightsFile, KvMatrices)> { (primary, kv) } : edits)
            .Select(e => new PatchBase(Path.GetRelativePath(model.Root, e.Item1.Path), e.Item2.DType.ToString(), e.Item2.Sha256)).ToList();
        string patchPath = output.PathOf(RecePatch.FileName);
        timings.Time("writePatch", () => new RecePatch(factor, kv.Infos.Select(i => i.Name).ToList(), bases, description).Write(patchPath));

        var report = new ErasureReport
        {
            Command = "erase",
            CreatedUtc = DateTimeOffset.UtcNow,
            Inputs = new ReportInputs(model.Root, resolved.Concepts, resolved.Guides, resolved.Preserve, request.PreserveFile is null ? null : Path.GetFullPath(request.PreserveFile), resolved.Preset.Name),
            Parameters = ReportParameters.From(resolved.Parameters, resolved.Preserve.Count),
            Model = DescribeModel(model, kv, edits.Count > 0 ? edits : new() { (primary, kv) }),
            Stages = result.Stages,
            Timings = timings.WithTotal(total.Elapsed.TotalSeconds),
            Outputs = new ReportOutputs(output.Destination, new ReportFile(RecePatch.FileName, new FileInfo(patchPath).Length, RecePatch.FileSha256(patchPath)), written, skipped, request.PatchOnly),
            PeakResidentBytes = ProcessMemory.PeakResidentBytes(),
        };
        File.WriteAllText(output.PathOf(ErasureReport.FileName), report.ToJson());
        output.Commit();
        return report;
    }

    /// <summary>
    /// The primary weights file, plus every other safetensors variant holding the same weights at another precision
    /// (fp16). A variant with different weights (e.g. non-EMA) would need its own erasure: it is left out of the output.
    /// </summary>
    private static List<(UNetWeightsFile, KvMatrices)> SelectVariants(DiffusersModel model, UNetWeightsFile primary, KvMatrices primaryKv, Action<string>? log)
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
                log?.Invoke($"leaving out unet/{variant.FileName}: its K/V weights differ from unet/{primary.FileName} by {difference:P1}, so the same edit does not apply; erase it on its own");
                variantKv.Dispose();
            }
        }
        return edits;
    }

    internal static ReportModel DescribeModel(DiffusersModel model, KvMatrices kv, IReadOnlyList<(UNetWeightsFile File, KvMatrices Kv)> files)
    {
        ReportWeightsFile Describe(string path, string? dtype, string? kvHash)
        {
            using var file = SafetensorsFile.Open(path);
            return new ReportWeightsFile(Path.GetRelativePath(model.Root, path), dtype, file.FileLength, Convert.ToHexStringLower(SHA256.HashData(file.HeaderJson.Span)), kvHash);
        }
        return new ReportModel(
            model.Architecture,
            model.EmbeddingDim,
            kv.Tensors.Count,
            files.Select(f => Describe(f.File.Path, f.Kv.DType.ToString(), f.Kv.Sha256)).ToList(),
            Describe(model.TextEncoderWeightsPath, null, null));
    }
}
