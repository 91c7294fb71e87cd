using System.Text.Json.Serialization;

namespace Rece.Orchestration.Jobs;

/// <summary>Input of the VerifyCheckpoint activity: the job whose checkpoint a result event reported.</summary>
public sealed record CheckpointCheck(
    [property: JsonPropertyName("jobId")] string JobId,
    [property: JsonPropertyName("checkpoint")] string Checkpoint
);
