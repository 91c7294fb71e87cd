namespace Rece.Generation;

/// <summary>One prompt of a job, with the per-row settings its CSV gave (null: use the job's default).</summary>
/// <param name="CaseNumber">Names the image file ({case}.png): the case_number column, or the row's 0-based
/// index.</param>
/// <param name="Line">1-based line of the row in its file (for messages); 0 for a --prompt.</param>
/// <param name="Label">The value of the label column the caller asked for (e.g. an I2P row's categories), if
/// any.</param>
public sealed record PromptRow(
    string CaseNumber,
    string Prompt,
    ulong? Seed,
    double? Guidance,
    int? Width,
    int? Height,
    int Line,
    string? Label = null
);
