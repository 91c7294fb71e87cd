using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rece.Generation;

/// <summary>
/// The manifest of an output folder: JSON lines, one per generated image, appended as images are made. Each shard
/// writes its own file (manifest.jsonl, or manifest.shard-I-of-N.jsonl), so shards can share a folder. A line is
/// written before its PNG is renamed into place, so every image has a line; after a crash the same image may be listed
/// again when it is regenerated, and the last line per file is the one that counts.
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

    public static string FileName(Shard? shard) =>
        shard is { } s && s.Count > 1 ? $"{FilePrefix}.shard-{s.Index}-of-{s.Count}.jsonl" : $"{FilePrefix}.jsonl";

    /// <summary>Opens (or creates) a manifest for appending; a last line cut short by a crash is removed
    /// first.</summary>
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

    /// <summary>Every image listed by the manifests of a folder (all shards), the last line per file winning, ordered
    /// by file name.</summary>
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
