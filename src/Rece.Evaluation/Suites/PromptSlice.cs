using System.Globalization;

namespace Rece.Evaluation.Suites;

/// <summary>Which part of a suite to run: the first <see cref="Limit"/> cases, then shard <see cref="Shard"/> of <see cref="Shards"/>.</summary>
/// <param name="Shard">1-based: "--shard 2/4" is the second of four contiguous slices.</param>
public sealed record PromptSlice(int? Limit = null, int Shard = 1, int Shards = 1)
{
    public static PromptSlice All { get; } = new();

    /// <summary>Parses "--shard I/N" (1 &lt;= I &lt;= N).</summary>
    public static PromptSlice Parse(int? limit, string? shard)
    {
        if (limit is <= 0)
            throw new EvaluationInputException($"--limit must be a positive number of prompts (got {limit}).");
        if (shard is null)
            return new PromptSlice(limit);
        var parts = shard.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i) || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1 || i < 1 || i > n)
            throw new EvaluationInputException($"--shard \"{shard}\" must be I/N with 1 <= I <= N, e.g. 2/4 for the second of four slices.");
        return new PromptSlice(limit, i, n);
    }

    /// <summary>
    /// The cases of this slice, in file order. Deterministic: the limit takes the first cases, and shard i of n takes
    /// positions [floor((i-1) m / n), floor(i m / n)) of those m, so the n shards cover them exactly once.
    /// </summary>
    public IReadOnlyList<PromptCase> Apply(IReadOnlyList<PromptCase> cases)
    {
        int m = Limit is int limit ? Math.Min(limit, cases.Count) : cases.Count;
        int start = (int)((long)(Shard - 1) * m / Shards), end = (int)((long)Shard * m / Shards);
        return cases.Skip(start).Take(end - start).ToList();
    }

    public override string ToString() => (Limit is null ? "all prompts" : $"first {Limit} prompts") + (Shards > 1 ? $", shard {Shard}/{Shards}" : "");
}
