using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rece.Generation;

/// <summary>One generated image as the manifest records it.</summary>
public sealed record ManifestEntry
{
    public required string File { get; init; }
    public required string CaseNumber { get; init; }
    public required string Prompt { get; init; }
    public required ulong Seed { get; init; }
    public required double Guidance { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }
    public required int Steps { get; init; }
    public required string Scheduler { get; init; }
    public required string Precision { get; init; }
    public required string ModelHash { get; init; }
    public required int BatchSize { get; init; }

    /// <summary>The device that made the image ("cuda:0 (NVIDIA H200, 139.8 GiB)"); absent in manifests of earlier versions.</summary>
    public string? Device { get; init; }

    /// <summary>Seconds spent on this image: textEncoder, denoise, decode, total (a batch's time shared equally), and per U-Net call.</summary>
    public required IReadOnlyDictionary<string, double> Seconds { get; init; }
}

/// <summary>
/// The manifest of an output folder: JSON lines, one per generated image, appended as images are made. Each shard writes
/// its own file (manifest.jsonl, or manifest.shard-I-of-N.jsonl), so shards can share a folder. A line is written before
/// its PNG is renamed into place, so every image has a line; after a crash the same image may be listed again when it is
/// regenerated, and the last line per file is the one that counts.
/// </summary>
public sealed class GenerationManifest : IDisposable
{
    public const string FilePrefix = "manifest";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly FileStream _stream;

    private GenerationManifest(string path, FileStream stream)
    {
        Path = path;
        _stream = stream;
    }

    public string Path { get; }

    public static string FileName(Shard? shard) => shard is { } s && s.Count > 1 ? $"{FilePrefix}.shard-{s.Index}-of-{s.Count}.jsonl" : $"{FilePrefix}.jsonl";

    /// <summary>Opens (or creates) a manifest for appending; a last line cut short by a crash is removed first.</summary>
    public static GenerationManifest Open(string path)
    {
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            if (stream.Length > 0)
            {
                var bytes = new byte[stream.Length];
                stream.ReadExactly(bytes);
                int end = Array.LastIndexOf(bytes, (byte)'\n') + 1;
                if (end != bytes.Length)
                    stream.SetLength(end);
            }
            stream.Seek(0, SeekOrigin.End);
            return new GenerationManifest(path, stream);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    public void Append(ManifestEntry entry)
    {
        var line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(entry, Json) + "\n");
        _stream.Write(line);
        _stream.Flush(flushToDisk: true);
    }

    /// <summary>Every image listed by the manifests of a folder (all shards), the last line per file winning, ordered by file name.</summary>
    public static IReadOnlyList<ManifestEntry> ReadFolder(string directory)
    {
        var byFile = new Dictionary<string, ManifestEntry>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(directory, FilePrefix + "*.jsonl").Order(StringComparer.Ordinal))
        {
            foreach (var line in File.ReadLines(path))
            {
                if (line.Length == 0)
                    continue;
                ManifestEntry? entry;
                try
                {
                    entry = JsonSerializer.Deserialize<ManifestEntry>(line, Json);
                }
                catch (JsonException)
                {
                    continue; // a line cut short by a crash; its image was regenerated and listed again
                }
                if (entry is not null)
                    byFile[entry.File] = entry;
            }
        }
        return byFile.Values.OrderBy(e => e.File, StringComparer.Ordinal).ToList();
    }

    public void Dispose() => _stream.Dispose();
}

/// <summary>
/// generation.json: what decides the images of an output folder (model hash, steps, scheduler, precision, the defaults,
/// the prompt source). A resumed run must match it, so images of different settings never mix in one folder.
/// </summary>
public sealed record GenerationSettings
{
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

    /// <summary>The device of the latest run into the folder (informative: images of one folder may come from several devices,
    /// as from several batch sizes; each manifest line names its own).</summary>
    public Rece.Models.Devices.DeviceInfo? Device { get; init; }

    /// <summary>The fields that must agree with an existing folder, with their values.</summary>
    public IEnumerable<(string Name, string Value)> Decisive() => new[]
    {
        ("model hash", ModelHash), ("steps", Steps.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("scheduler", Scheduler), ("precision", Precision),
        ("default seed (--seed)", DefaultSeed.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("default guidance (--guidance)", DefaultGuidance.ToString("R", System.Globalization.CultureInfo.InvariantCulture)),
        ("default size (--size)", DefaultSize.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("prompts", PromptsSha256),
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
            throw new GenerationInputException($"{path} is not a valid generation settings file ({e.Message}); use another --out.");
        }
    }

    public void Write(string directory)
    {
        string path = System.IO.Path.Combine(directory, FileName);
        string temporary = path + $".partial-{Guid.NewGuid():N}";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, new JsonSerializerOptions(GenerationManifest.Json) { WriteIndented = true }) + "\n");
        File.Move(temporary, path, overwrite: true);
    }
}
