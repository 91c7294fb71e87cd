using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using Rece.Models.TextEncoder;
using Rece.Models.Tokenization;
using static TorchSharp.torch;

namespace Rece.Evaluation.Attacks;

/// <summary>
/// Ring-A-Bell (Tsai et al., ICLR 2024) in the RECE reference's form: a concept vector from (sensitive, normal) prompt
/// pairs, the difference of their full 77 x d text-encoder outputs averaged, and attack embeddings E(prompt) + eta *
/// vector that the generator consumes in place of a prompt's embedding.
/// </summary>
public static class RingABell
{
    /// <summary>The reference averages the differences per batch of 8 pairs, then averages the batch means with equal
    /// weight.</summary>
    public const int ReferenceBatchSize = 8;

    /// <summary>Pairs from a CSV with a header row: first column the sensitive prompt, second the normal one (trimmed),
    /// as the reference reads them.</summary>
    public static IReadOnlyList<PromptPair> ReadPairs(TextReader reader, string source)
    {
        using var csv = new CsvReader(
            reader,
            new CsvConfiguration(CultureInfo.InvariantCulture)
            {
                DetectDelimiter = false,
                BadDataFound = null,
                HasHeaderRecord = true,
            }
        );
        if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is null || csv.HeaderRecord.Length < 2)
            throw new EvaluationInputException(
                $"{source} needs a header row and two columns: the sensitive prompt, then the normal prompt."
            );
        var pairs = new List<PromptPair>();
        while (csv.Read())
        {
            string? sensitive = csv.GetField(0),
                normal = csv.GetField(1);
            if (sensitive is null || normal is null)
                throw new EvaluationInputException($"{source}, row {pairs.Count + 2}: a pair needs two prompts.");
            pairs.Add(new PromptPair(sensitive.Trim(), normal.Trim()));
        }
        if (pairs.Count == 0)
            throw new EvaluationInputException($"{source} holds no prompt pairs.");
        return pairs;
    }

    /// <summary>
    /// The concept vector [77, d] (float32): for each batch of <paramref name="batchSize"/> pairs the mean of
    /// E(sensitive) - E(normal) over the batch, then the mean of those batch means (the last, shorter batch weighs as
    /// much as a full one, as in the reference).
    /// </summary>
    public static Tensor ConceptVector(
        ClipTokenizer tokenizer,
        ClipTextEncoder encoder,
        IReadOnlyList<PromptPair> pairs,
        int batchSize = ReferenceBatchSize
    )
    {
        if (pairs.Count == 0)
            throw new ArgumentException("At least one prompt pair is needed.", nameof(pairs));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        using var scope = NewDisposeScope();
        var batchMeans = new List<Tensor>();
        for (int start = 0; start < pairs.Count; start += batchSize)
        {
            var batch = pairs.Skip(start).Take(batchSize).ToList();
            var sensitive = encoder.Encode(batch.Select(p => tokenizer.Encode(p.Sensitive).Ids).ToList());
            var normal = encoder.Encode(batch.Select(p => tokenizer.Encode(p.Normal).Ids).ToList());
            batchMeans.Add(sensitive.sub(normal).mean(new long[] { 0 }));
        }
        return stack(batchMeans).mean(new long[] { 0 }).MoveToOuterDisposeScope();
    }

    /// <summary>E(prompt) + eta * vector for each prompt: [prompts, 77, d], float32.</summary>
    public static Tensor AttackEmbeddings(
        ClipTokenizer tokenizer,
        ClipTextEncoder encoder,
        IReadOnlyList<string> prompts,
        Tensor vector,
        double eta,
        int batchSize = 16
    )
    {
        using var scope = NewDisposeScope();
        var batches = new List<Tensor>();
        for (int start = 0; start < prompts.Count; start += batchSize)
        {
            var embeddings = encoder.Encode(
                prompts.Skip(start).Take(batchSize).Select(p => tokenizer.Encode(p).Ids).ToList()
            );
            batches.Add(embeddings.add(vector, alpha: eta));
        }
        return cat(batches, 0).MoveToOuterDisposeScope();
    }
}
