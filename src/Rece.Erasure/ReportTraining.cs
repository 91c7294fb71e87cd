namespace Rece.Erasure;

/// <summary>How a trained method ran: its settings, its inputs and its loss after every step. The properties after
/// the positional ones belong to one method each (null for the other).</summary>
/// <param name="Method">"fewshot" or "all-but-one".</param>
/// <param name="Size">The side of the images it trained on.</param>
/// <param name="TrainedWeights">The weights it updated; every other tensor is unchanged.</param>
/// <param name="Losses">The loss after every optimizer step.</param>
public sealed record ReportTraining(
    string Method,
    int Size,
    double LearningRate,
    long Seed,
    IReadOnlyList<string> TrainedWeights,
    IReadOnlyList<double> Losses
)
{
    /// <summary>fewshot: the images of the concept it learned from.</summary>
    public int? Images { get; init; }

    /// <summary>fewshot: "object" or "style".</summary>
    public string? Template { get; init; }

    /// <summary>fewshot: passes over the images.</summary>
    public int? Epochs { get; init; }

    /// <summary>fewshot: images per step.</summary>
    public int? BatchSize { get; init; }

    /// <summary>all-but-one: the concept whose guidance the erased one takes on.</summary>
    public string? Alternative { get; init; }

    /// <summary>all-but-one: the weight of the unconditional score's drift.</summary>
    public double? Beta { get; init; }

    /// <summary>all-but-one: "xattn" or "kv".</summary>
    public string? Parameters { get; init; }

    /// <summary>all-but-one: the images of the concept the original model generated to train on.</summary>
    public int? Samples { get; init; }

    /// <summary>all-but-one: the sampler steps of each generated image (the timesteps it trains at).</summary>
    public int? SampleSteps { get; init; }

    /// <summary>all-but-one: the guidance scale the images were generated with.</summary>
    public double? Guidance { get; init; }
}
