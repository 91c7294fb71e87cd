using System.Text.Json;

namespace Rece.Generation;

/// <summary>
/// generation.json: what decides the images of an output folder (model hash, steps, scheduler, precision, the defaults,
/// the prompt source). A resumed run must match it, so images of different settings never mix in one folder.
/// </summary>
public sealed record GenerationSettings
{
    private static readonly JsonSerializerOptions Indented = new(GenerationManifest.Json) { WriteIndented = true };

    public const string FileName = "generation.json";

    public required string ModelHash { get; init; }
    public required string Model { get; init; }
    public required IReadOnlyDictionary<string, string> ModelFiles { get; init; }
    public required int Steps { get; init; }
    public required string Scheduler { get; init; }
    public required string Precision { get; init; }
    public required ulong DefaultSeed { get; init; }
    public required double DefaultGuidance { get; init; }
    public required int DefaultSize { get; init; }

    /// <summary>The --prompts file, or "--prompt" for a single prompt.</summary>
    public required string Prompts { get; init; }

    /// <summary>SHA-256 of the prompt file's bytes, or of the --prompt text.</summary>
    public required string PromptsSha256 { get; init; }

    /// <summary>The device of the latest run into the folder (informative: images of one folder may come from several
    /// devices, as from several batch sizes; each manifest line names its own).</summary>
    public Rece.Models.Devices.DeviceInfo? Device { get; init; }

    /// <summary>The fields that must agree with an existing folder, with their values.</summary>
    public IEnumerable<(string Name, string Value)> Decisive() =>
        new[]
        {
            ("model hash", ModelHash),
            ("steps", Steps.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("scheduler", Scheduler),
            ("precision", Precision),
            ("default seed (--seed)", DefaultSeed.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            (
                "default guidance (--guidance)",
                DefaultGuidance.ToString("R", System.Globalization.CultureInfo.InvariantCulture)
            ),
            ("default size (--size)", DefaultSize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("prompts", PromptsSha256),
        };

    public static GenerationSettings? Read(string directory)
    {
        string path = System.IO.Path.Combine(directory, FileName);
        if (!File.Exists(path))
            return null;
        try
        {
            return JsonSerializer.Deserialize<GenerationSettings>(File.ReadAllText(path), GenerationManifest.Json);
        }
        catch (JsonException e)
        {
            throw new GenerationInputException(
                $"{path} is not a valid generation settings file ({e.Message}); use another --out."
            );
        }
    }

    public void Write(string directory)
    {
        string path = System.IO.Path.Combine(directory, FileName);
        string temporary = path + $".partial-{Guid.NewGuid():N}";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, Indented) + "\n");
        File.Move(temporary, path, overwrite: true);
    }
}
