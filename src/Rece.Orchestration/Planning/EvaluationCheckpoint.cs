namespace Rece.Orchestration.Planning;

/// <summary>A model the evaluation makes images with: the original model, or a run's checkpoint after an
/// epoch.</summary>
/// <param name="Name">"baseline" or "{run}/epoch-{k}".</param>
public sealed record EvaluationCheckpoint(string Name, string? Run, int? Epoch)
{
    public bool IsBaseline => Run is null;
}
