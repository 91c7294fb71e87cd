using System.Text.Json.Serialization;

namespace Rece.Orchestration.Jobs;

/// <summary>
/// The event a worker raises when it takes a job off the queue, and again as a heartbeat while the job runs: the job's
/// timeout counts from the last one, so the time a job waits in the queue behind others never times it out.
/// </summary>
public sealed record JobClaim
{
    /// <summary>Prefix of every claim event's name; refused on the public event route like the result events.</summary>
    public const string EventPrefix = "GpuJobStarted.";

    [JsonPropertyName("jobId")]
    public required string JobId { get; init; }

    [JsonPropertyName("attempt")]
    public required int Attempt { get; init; }

    [JsonPropertyName("worker")]
    public string? Worker { get; init; }

    [JsonPropertyName("device")]
    public string? Device { get; init; }

    /// <summary>The claim event of the job whose result event is <paramref name="resultEventName"/>.</summary>
    public static string EventNameOf(string resultEventName) => EventPrefix + resultEventName;
}
