namespace Rece.Generation;

/// <summary>Which rows of a prompt list a run takes: the first <see cref="Limit"/> rows, then its <see cref="Shard"/>
/// of those.</summary>
public sealed record PromptSelection(int? Limit = null, Shard? Shard = null)
{
    public static PromptSelection All { get; } = new();

    /// <summary>From `--limit N` and `--shard I/N` as typed.</summary>
    public static PromptSelection Parse(int? limit, string? shard)
    {
        if (limit is < 1)
            throw new GenerationInputException($"--limit must be at least 1, got {limit}.");
        return new PromptSelection(limit, shard is null ? null : Generation.Shard.Parse(shard));
    }

    public IReadOnlyList<T> Apply<T>(IReadOnlyList<T> rows)
    {
        IReadOnlyList<T> limited = Limit is int limit && limit < rows.Count ? rows.Take(limit).ToList() : rows;
        return Shard is { } shard ? shard.Select(limited) : limited;
    }

    public override string ToString() =>
        (Limit is null ? "all prompts" : $"the first {Limit} prompts")
        + (Shard is { Count: > 1 } s ? $", shard {s}" : "");
}
