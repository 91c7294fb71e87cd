namespace Rece.Evaluation.Suites;

/// <summary>
/// One row of a prompt file: what to generate and how. Seed, guidance and size come from the row when the file has
/// them (I2P: evaluation_seed, evaluation_guidance, sd_image_width/height; COCO and the art files: evaluation_seed);
/// otherwise the generator's defaults apply.
/// </summary>
public sealed record PromptCase(
    int CaseNumber,
    string Prompt,
    long? Seed = null,
    double? Guidance = null,
    int? Width = null,
    int? Height = null,
    string? Label = null
);
