using System.Text.Json;

namespace Rece.Orchestration.Jobs;

/// <summary>
/// What every message on the gpu-jobs queue has, whatever its kind: the job id (derived from the instance and what the
/// job makes, so every attempt and duplicate writes the same blobs), the attempt, and the external event the worker
/// raises on the instance when it is done. The worker reads the kind and runs the matching job.
/// </summary>
public interface IGpuJobMessage
{
    string JobKind { get; }

    string JobId { get; }

    string InstanceId { get; }

    int Attempt { get; }

    string EventName { get; }

    /// <summary>Set by a worker that failed on a job it may retry; read when the message was dequeued too often.</summary>
    string? LastError { get; }

    IGpuJobMessage WithLastError(string error);

    /// <summary>The result event of this job when it failed for good (its own result type, Succeeded = false).</summary>
    object Failure(string error, string worker);
}

/// <summary>The kinds of GPU jobs and how to read a queue message.</summary>
public static class GpuJobMessages
{
    public static IReadOnlyList<string> Kinds { get; } = new[] { GpuJob.Kind, EvaluationShardJob.Kind, EvaluationReportJob.Kind };

    /// <exception cref="JsonException">Not a GPU job message of a known kind.</exception>
    public static IGpuJobMessage Parse(string json)
    {
        string? kind;
        using (var document = JsonDocument.Parse(json))
        {
            kind = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String
                ? k.GetString()
                : null;
        }
        return kind switch
        {
            // Messages from before evaluation jobs existed carry no kind: they are erase jobs.
            GpuJob.Kind or null => PipelineJson.Deserialize<GpuJob>(json),
            EvaluationShardJob.Kind => PipelineJson.Deserialize<EvaluationShardJob>(json),
            EvaluationReportJob.Kind => PipelineJson.Deserialize<EvaluationReportJob>(json),
            _ => throw new JsonException($"Unknown GPU job kind \"{kind}\"; this worker runs {string.Join(", ", Kinds)}."),
        };
    }

    /// <summary>The message text: the job serialized as its own type.</summary>
    public static string Serialize(IGpuJobMessage job) => JsonSerializer.Serialize(job, job.GetType(), PipelineJson.Options);

    /// <summary>Serializes a result event as its own type.</summary>
    public static string SerializeResult(object result) => JsonSerializer.Serialize(result, result.GetType(), PipelineJson.Options);
}
