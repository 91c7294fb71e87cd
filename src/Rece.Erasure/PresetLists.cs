using System.Globalization;
using CsvHelper;
using Rece.Core.Settings;

namespace Rece.Erasure;

/// <summary>The text lists presets preserve by default, shipped inside the program.</summary>
public static class PresetLists
{
    private static readonly Lazy<List<string>> Artists = new(ReadArtists);

    /// <summary>The texts of the list <paramref name="name"/> (e.g. <see cref="ErasurePreset.ArtistsList"/>).</summary>
    public static IReadOnlyList<string> Get(string name) =>
        name switch
        {
            ErasurePreset.ArtistsList => Artists.Value,
            _ => throw new ArgumentException($"No preset list is named {name}.", nameof(name)),
        };

    /// <summary>The (artist, prompt) rows of the artists list, in the file's order.</summary>
    public static IReadOnlyList<(string Artist, string Prompt)> ArtistPrompts()
    {
        using var stream = typeof(PresetLists).Assembly.GetManifestResourceStream("prompts/artists1734_prompts.csv")
            ?? throw new InvalidOperationException("The artists list is not embedded in Rece.Erasure.");
        using var reader = new StreamReader(stream);
        using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
        var rows = new List<(string, string)>();
        csv.Read();
        csv.ReadHeader();
        while (csv.Read())
            rows.Add((csv.GetField("artist")?.Trim() ?? "", csv.GetField("prompt") ?? ""));
        return rows;
    }

    // The reference preserves every unique artist of the list (in the file's order) but the erased ones.
    private static List<string> ReadArtists() =>
        ArtistPrompts().Select(r => r.Artist).Where(a => a.Length > 0).Distinct(StringComparer.Ordinal).ToList();
}
