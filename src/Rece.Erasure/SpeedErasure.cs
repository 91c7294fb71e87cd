using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Rece.Engine;
using Rece.Engine.Speed;
using static TorchSharp.torch;

namespace Rece.Erasure;

/// <summary>
/// --method speed on a loaded base model: the texts encoded (through the embedding cache), SPEED's edit made for each
/// chosen K/V matrix on its own (<see cref="SpeedEdit"/>), and the embedding-space measures of the original and the
/// edited model, computed from the stored (float32) factors so an evaluation of the patch reports the same figures.
/// </summary>
public static class SpeedErasure
{
    /// <summary>SPEED's only stage.</summary>
    public const string StageName = "speed";

    /// <returns>A factor per edited matrix (float32, disposed by the caller's scope) and the measures of the
    /// original model and of the edit.</returns>
    public static (IReadOnlyList<PatchFactor> Factors, IReadOnlyList<StageMeasures> Stages) Run(
        LoadedBaseModel loaded,
        ResolvedErasure resolved,
        StageTimer? timings = null,
        ILogger? log = null,
        EmbeddingCache? cache = null
    )
    {
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentNullException.ThrowIfNull(resolved);
        var speed = resolved.Speed
            ?? throw new ArgumentException("The request's method is not speed.", nameof(resolved));
        var clock = Stopwatch.StartNew();
        string? encoderKey = loaded.EncoderKey(ref cache);
        long d = loaded.Model.EmbeddingDim;
        var embeddings = TextEmbeddings.Encode(
            loaded.Tokenizer,
            () => loaded.Encoder,
            resolved.Concepts.Concat(resolved.Guides).Append(""),
            log,
            cache,
            encoderKey
        );
        var emptyText = embeddings[""].Embedding;

        // The rows to keep: each preserve text's last word token, as SPEED's code takes them; the empty prompt's
        // tokens after the start token when there are none. The drift is measured as for RECE, on all 77 rows of ""
        // and of the preserve texts.
        var retain =
            resolved.Preserve.Count == 0
                ? emptyText.narrow(0, 1, ErasureProblem.ContextLength - 1).to(ScalarType.Float64)
                : empty(resolved.Preserve.Count, d, dtype: ScalarType.Float64);
        int next = 0;
        using var preserveSet = loaded.PreserveSetOf(
            resolved.Preserve,
            cache,
            encoderKey,
            log,
            (chunk, encoded) =>
            {
                foreach (var text in chunk)
                    retain[next++].copy_(LastWord(encoded[text]).squeeze(0));
            },
            out double gramSeconds
        );
        timings?.Add("encodeTexts", clock.Elapsed.TotalSeconds - gramSeconds);
        clock.Restart();
        var driftGram = preserveSet.Gram.add(ClosedFormEdit.GramOfRows(emptyText.to(ScalarType.Float64)));
        timings?.Add("preserveGram", gramSeconds + clock.Elapsed.TotalSeconds);
        loaded.WaitForWeights(timings);

        var pairs = resolved
            .Concepts.Select(
                (concept, i) =>
                {
                    var c = embeddings[concept];
                    var a = embeddings[resolved.Guides[i]];
                    return speed.AllTokens
                        ? new SpeedPair(AfterStart(c.Embedding), AfterStart(a.Embedding))
                        : new SpeedPair(LastWord(c), LastWord(a));
                }
            )
            .ToList();
        var conceptGram = ClosedFormEdit.GramOfRows(
            cat(resolved.Concepts.Select(c => embeddings[c].Embedding.to(ScalarType.Float64)).ToArray(), 0)
        );
        return timings is null
            ? Edit(loaded, resolved, speed, pairs, retain, emptyText, conceptGram, driftGram, log)
            : timings.Time("erasureMath", () =>
                Edit(loaded, resolved, speed, pairs, retain, emptyText, conceptGram, driftGram, log)
            );
    }

    private static (IReadOnlyList<PatchFactor>, IReadOnlyList<StageMeasures>) Edit(
        LoadedBaseModel loaded,
        ResolvedErasure resolved,
        SpeedSettings speed,
        IReadOnlyList<SpeedPair> pairs,
        Tensor retain,
        Tensor emptyText,
        Tensor conceptGram,
        Tensor driftGram,
        ILogger? log
    )
    {
        var kv = loaded.Kv;
        double regularizer = resolved.Parameters.Regularizer;
        var clock = Stopwatch.StartNew();
        StageMeasures Measure(string stage, IEnumerable<(Tensor, Tensor)> edits)
        {
            using var grams = EditedGrams.FromFactors(loaded.Gram, edits);
            var measures = new StageMeasures(
                stage,
                grams.RecoveredConceptResidual(conceptGram, regularizer),
                grams.PreservationDrift(driftGram),
                grams.RelativeWeightChange(),
                clock.Elapsed.TotalSeconds
            );
            log?.Stage(
                stage,
                measures.RecoveredConceptResidual,
                measures.PreservationDrift,
                measures.RelativeWeightChange
            );
            return measures;
        }
        var original = Measure(ErasureProblem.StageName(0), Array.Empty<(Tensor, Tensor)>());
        clock.Restart();

        using var edit = SpeedEdit.Prepare(pairs, retain, emptyText, speed.Parameters);
        var chosen = Enumerable.Range(0, kv.Infos.Count).Where(i => speed.Edits(kv.Infos[i].Name)).ToList();
        if (chosen.Count == 0)
            throw new ErasureInputException(
                $"--projections {speed.Projections} names no cross-attention matrix of this model; use v, k or kv."
            );
        var factors = new List<PatchFactor>(chosen.Count);
        var progress = Stopwatch.StartNew();
        foreach (var i in chosen)
        {
            using var layer = NewDisposeScope();
            var factor = edit.Factor(kv.Tensors[i], i);
            if (!factor.isfinite().all().item<bool>())
                throw new IllPosedErasureException(
                    $"SPEED's edit of {kv.Infos[i].Name} is not finite: raise --retain-scale or --invariance-lambda."
                );
            factors.Add(
                new PatchFactor(
                    FactorApplication.ToStoredPrecision(factor).MoveToOuterDisposeScope(),
                    new[] { kv.Infos[i].Name }
                )
            );
            if (progress.Elapsed.TotalSeconds > 2)
            {
                log?.SpeedProgress(factors.Count, chosen.Count, retain.shape[0]);
                progress.Restart();
            }
        }
        var edited = Measure(StageName, chosen.Select((index, k) => (kv.Tensors[index], factors[k].Factor)));
        return (factors, new[] { original, edited });
    }

    /// <summary>The row of a text's last word token (the start token for an empty text), 1 x d.</summary>
    private static Tensor LastWord(TextEmbedding text) =>
        text.Embedding.narrow(0, text.WordCount, 1).to(ScalarType.Float64);

    /// <summary>Every row after the start token, 76 x d.</summary>
    private static Tensor AfterStart(Tensor embedding) =>
        embedding.narrow(0, 1, ErasureProblem.ContextLength - 1).to(ScalarType.Float64);
}
