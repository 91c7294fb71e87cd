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
            "all-but-one" => ErasureMethod.AllButOne,
            _ => throw new ArgumentException(
                $"Unknown erasure method \"{name}\"; choose rece, uce, speed, fewshot or all-but-one."
            ),
        };

    /// <summary>Whether the method runs RECE epochs after its first stage.</summary>
    public static bool HasEpochs(string? name) => Parse(name) == ErasureMethod.Rece;

    /// <summary>Whether the method trains weights by gradient (from rece erase) rather than editing in closed
    /// form.</summary>
    public static bool IsTrained(this ErasureMethod method) =>
        method is ErasureMethod.FewShot or ErasureMethod.AllButOne;

    public static string Name(this ErasureMethod method) =>
        method == ErasureMethod.AllButOne ? "all-but-one" : method.ToString().ToLowerInvariant();
}
