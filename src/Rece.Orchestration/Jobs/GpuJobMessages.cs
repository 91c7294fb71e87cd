using System.Text.Json;

namespace Rece.Orchestration.Jobs;

/// <summary>The kinds of GPU jobs and how to read a queue message.</summary>
public static class GpuJobMessages
{
    public static IReadOnlyList<string> Kinds { get; } =
        new[] { GpuJob.Kind, EvaluationShardJob.Kind, EvaluationReportJob.Kind };

    /// <exception cref="JsonException">Not a GPU job message of a known kind.</exception>
    public static IGpuJobMessage Parse(string json)
    {
        string? kind;
        using (var document = JsonDocument.Parse(json))
        {
            kind =
                document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("kind", out var k)
                && k.ValueKind == JsonValueKind.String
                    ? k.GetString()
                    : null;
        }
        return kind switch
        {
            // Messages from before evaluation jobs existed carry no kind: they are erase jobs.
            GpuJob.Kind or null => PipelineJson.Deserialize<GpuJob>(json),
            EvaluationShardJob.Kind => PipelineJson.Deserialize<EvaluationShardJob>(json),
            EvaluationReportJob.Kind => PipelineJson.Deserialize<EvaluationReportJob>(json),
            _ => throw new JsonException(
                $"Unknown GPU job kind \"{kind}\"; this worker runs {string.Join(", ", Kinds)}."
            ),
        };
    }

    /// <summary>The message text: the job serialized as its own type.</summary>
    public static string Serialize(IGpuJobMessage job) =>
        JsonSerializer.Serialize(job, job.GetType(), PipelineJson.Options);

    /// <summary>Serializes a result event as its own type.</summary>
    public static string SerializeResult(object result) =>
        JsonSerializer.Serialize(result, result.GetType(), PipelineJson.Options);
}
