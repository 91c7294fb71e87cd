namespace Rece.Orchestration.Jobs;

/// <summary>Blob names of checkpoints: "checkpoints/{instance}/{run}/epoch-{k}/" holding the patch, the state and the
/// measures.</summary>
public static class CheckpointLayout
{
    public const string Container = "checkpoints";

    /// <summary>What `rece apply-patch` consumes.</summary>
    public const string Patch = "rece-patch.safetensors";

    /// <summary>The engine's P, H, K in float64: the next epoch resumes from it bit for bit.</summary>
    public const string State = "state.safetensors";

    /// <summary>Written last: a checkpoint without it is not done.</summary>
    public const string Measures = "measures.json";

    /// <summary>"checkpoints/{instance}/{run}/epoch-{k}/" (container/prefix).</summary>
    public static string EpochPrefix(string instanceId, string run, int epoch) =>
        $"{Container}/{instanceId}/{run}/epoch-{epoch}/";

    public static string InstancePrefix(string instanceId) => $"{Container}/{instanceId}/";
}
