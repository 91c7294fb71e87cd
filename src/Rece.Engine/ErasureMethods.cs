namespace Rece.Engine;

/// <summary>The names requests and options give the methods.</summary>
public static class ErasureMethods
{
    /// <summary>The method a request's "method" names (null: rece).</summary>
    public static ErasureMethod Parse(string? name) =>
        name switch
        {
            null or "rece" => ErasureMethod.Rece,
            "uce" => ErasureMethod.Uce,
            "speed" => ErasureMethod.Speed,
            "fewshot" => ErasureMethod.FewShot,
            _ => throw new ArgumentException($"Unknown erasure method \"{name}\"; choose rece, uce, speed or fewshot."),
        };

    /// <summary>Whether the method runs RECE epochs after its first stage.</summary>
    public static bool HasEpochs(string? name) => Parse(name) == ErasureMethod.Rece;

    public static string Name(this ErasureMethod method) => method.ToString().ToLowerInvariant();
}
