using System.Globalization;

namespace Rece.Generation;

/// <summary>
/// Shard I of N (1-based): the I-th of N contiguous slices, positions [floor((I-1) m / N), floor(I m / N)) of m rows.
/// The N shards of a list cover it exactly once and keep neighbouring cases together.
/// </summary>
public readonly record struct Shard(int Index, int Count)
{
    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (
            parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            && n >= 1
            && i >= 1
            && i <= n
        )
            return new Shard(i, n);
        throw new GenerationInputException(
            $"--shard \"{text}\" must be I/N with 1 <= I <= N (e.g. 2/4 for the second of four shards)."
        );
    }

    public IReadOnlyList<T> Select<T>(IReadOnlyList<T> rows)
    {
        int m = rows.Count;
        int start = (int)((long)(Index - 1) * m / Count),
            end = (int)((long)Index * m / Count);
        return rows.Skip(start).Take(end - start).ToList();
    }

    public override string ToString() => $"{Index}/{Count}";
}
