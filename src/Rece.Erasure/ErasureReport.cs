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

    public string Tool { get; init; } = "rece " + (typeof(ErasureReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "dev");
    public required string Command { get; init; }
    public required DateTimeOffset CreatedUtc { get; init; }
    public required ReportInputs Inputs { get; init; }
    public ReportParameters? Parameters { get; init; }
    public required ReportModel Model { get; init; }
    public IReadOnlyList<StageMeasures> Stages { get; init; } = Array.Empty<StageMeasures>();

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

public sealed record ReportInputs(
    string Model,
    IReadOnlyList<string> Concepts,
    IReadOnlyList<string> Guides,
    IReadOnlyList<string> Preserve,
    string? PreserveFile,
    string? Preset,
    string? Patch = null);

public sealed record ReportParameters(
    ErasureMethod Method,
    int Epochs,
    double UceLambda,
    double UceEraseScale,
    double UcePreserveScale,
    double Lambda,
    double EraseScale,
    double PreserveScale,
    double Regularizer)
{
    public static ReportParameters From(ReceParameters p, int preserveTexts)
    {
        var uce = p.UceScales(preserveTexts);
        return new ReportParameters(p.Method, p.EffectiveEpochs, uce.Lambda, uce.EraseScale, uce.PreserveScale, p.Lambda, p.EraseScale, p.PreserveScale, p.Regularizer);
    }
}

/// <summary>The input model: which files were read, identified by hashes of what the edit depends on.</summary>
public sealed record ReportModel(
    string Architecture,
    int EmbeddingDim,
    int EditedMatrices,
    IReadOnlyList<ReportWeightsFile> UNetFiles,
    ReportWeightsFile? TextEncoder);

/// <param name="HeaderSha256">SHA-256 of the safetensors header (names, dtypes, shapes, offsets, metadata).</param>
/// <param name="KvSha256">SHA-256 of the cross-attention K/V matrices' bytes, in layout order.</param>
public sealed record ReportWeightsFile(string File, string? DType, long Bytes, string HeaderSha256, string? KvSha256 = null, string? Note = null);

public sealed record ReportOutputs(
    string Folder,
    ReportFile Patch,
    IReadOnlyList<WrittenWeights> UNetFiles,
    IReadOnlyList<EditedModelWriter.Skipped> NotCopied,
    bool PatchOnly);

public sealed record ReportFile(string File, long Bytes, string Sha256);
