using System.Diagnostics;
using Rece.Engine;
using Rece.Erasure;
using static TorchSharp.torch;

namespace Rece.Evaluation.Measures;

/// <summary>
/// The embedding-space measures (docs/algorithm.md: recovered-concept residual, preservation drift, relative weight
/// change) of any checkpoint given as its base model and its patch, computed by the engine's own
/// <see cref="SharedFactorModel"/> (one shared factor P) or <see cref="EditedGrams"/> (a factor per matrix), so they
/// equal the erase report's figures for the same stage.
/// </summary>
public static class CheckpointMeasures
{
    /// <summary>Measures the model W0 P; the patch must have been made for this base model.</summary>
    public static StageMeasures Measure(LoadedBaseModel baseModel, RecePatch patch, MeasureTexts texts, string name)
    {
        baseModel.WaitForWeights();
        if (!patch.Bases.Any(b => b.KvSha256 == baseModel.Kv.Sha256))
            throw new EvaluationInputException(
                $"The patch was made for another base model: its K/V matrices have SHA-256 {string.Join(", ", patch.Bases.Select(b => b.KvSha256))}, {baseModel.Model.Root} has {baseModel.Kv.Sha256}."
            );
        if (patch.SharedFactor is { } shared)
            return Measure(baseModel, shared, texts, name);
        if (patch.Dimension != baseModel.Model.EmbeddingDim)
            throw new EvaluationInputException(
                $"The patch's factors are {patch.Dimension} x {patch.Dimension}, but {baseModel.Model.Root} needs {baseModel.Model.EmbeddingDim} x {baseModel.Model.EmbeddingDim}: it belongs to another base model."
            );
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        var (concepts, drift) = Rows(baseModel, texts);
        var kv = baseModel.Kv;
        using var grams = EditedGrams.FromFactors(
            baseModel.Gram,
            kv.Infos.Select((info, i) => (kv.Tensors[i], patch.FactorFor(info.Name)))
                .Where(e => e.Item2 is not null)
                .Select(e => (e.Item1, e.Item2!))
        );
        return new StageMeasures(
            name,
            grams.RecoveredConceptResidual(ClosedFormEdit.GramOfRows(concepts), texts.Regularizer),
            grams.PreservationDrift(ClosedFormEdit.GramOfRows(drift)),
            grams.RelativeWeightChange(),
            clock.Elapsed.TotalSeconds
        );
    }

    /// <summary>The concepts' rows and the rows the drift is measured on ("" and the preserve texts).</summary>
    private static (Tensor Concepts, Tensor Drift) Rows(LoadedBaseModel baseModel, MeasureTexts texts)
    {
        if (texts.Concepts.Count == 0)
            throw new ArgumentException("Name at least one concept to measure.", nameof(texts));
        var embeddings = TextEmbeddings.Encode(
            baseModel.Tokenizer,
            baseModel.Encoder,
            texts.Concepts.Concat(texts.Preserve).Append("")
        );
        baseModel.WaitForWeights();
        var concepts = cat(texts.Concepts.Select(c => embeddings[c].Embedding).ToArray(), 0);
        var drift = cat(
            new[] { embeddings[""].Embedding }.Concat(texts.Preserve.Select(t => embeddings[t].Embedding)).ToArray(),
            0
        );
        return (concepts, drift);
    }

    /// <summary>Measures the base model itself (P = I): the residual of the concepts before any edit.</summary>
    public static StageMeasures MeasureOriginal(LoadedBaseModel baseModel, MeasureTexts texts)
    {
        using var identity = eye(baseModel.Model.EmbeddingDim, dtype: ScalarType.Float64);
        return Measure(baseModel, identity, texts, ErasureProblem.StageName(0));
    }

    public static StageMeasures Measure(LoadedBaseModel baseModel, Tensor factor, MeasureTexts texts, string name)
    {
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        var (concepts, drift) = Rows(baseModel, texts);
        var gram = baseModel.Gram;
        long d = gram.shape[0];
        if (factor.ndim != 2 || factor.shape[0] != d || factor.shape[1] != d)
            throw new EvaluationInputException(
                $"The factor is {string.Join(" x ", factor.shape)}, but {baseModel.Model.Root} needs {d} x {d}: it belongs to another base model."
            );
        var p = factor.to(ScalarType.Float64);
        var h = gram.mm(p);
        using var state = new SharedFactorState(p, h, p.t().mm(h));
        using var model = SharedFactorModel.Restore(gram, state);
        using var derived = model.DeriveAdversarial(concepts, texts.Regularizer);
        return new StageMeasures(
            name,
            model.RecoveredConceptResidual(concepts, derived),
            model.PreservationDrift(drift),
            model.RelativeWeightChange(),
            clock.Elapsed.TotalSeconds
        );
    }
}
