using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Rece.Engine;

namespace Rece.Erasure;

/// <summary>rece-report.json: what was asked, what was computed, how long it took, and what was written.</summary>
public sealed record ErasureReport
{
    public const string FileName = "rece-report.json";

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public string Tool { get; init; } =
        "rece "
        + (
            typeof(ErasureReport)
                .Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()
                ?.InformationalVersion
            ?? "dev"
        );
    public required string Command { get; init; }
    public required DateTimeOffset CreatedUtc { get; init; }
    public required ReportInputs Inputs { get; init; }
    public ReportParameters? Parameters { get; init; }
    public required ReportModel Model { get; init; }
    public IReadOnlyList<StageMeasures> Stages { get; init; } = Array.Empty<StageMeasures>();

    /// <summary>A trained method's settings and its loss per step (few-shot unlearning); null for the closed-form
    /// methods.</summary>
    public ReportTraining? Training { get; init; }

    /// <summary>Seconds per stage, in the order they ran.</summary>
    public required IReadOnlyDictionary<string, double> Timings { get; init; }

    public required ReportOutputs Outputs { get; init; }

    public long PeakResidentBytes { get; init; }

    /// <summary>Where the text encoder ran and G0 was formed (the erase math runs on the CPU in float64).</summary>
    public Rece.Models.Devices.DeviceInfo? Device { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ErasureReport Parse(string json) =>
        JsonSerializer.Deserialize<ErasureReport>(json, Json) ?? throw new JsonException("The report is empty.");
}
