namespace Rece.Erasure;

/// <summary>
/// Builds an output folder under a hidden temporary name beside its destination and moves it into place only when
/// complete, so the destination never holds a half-written result. Disposing without <see cref="Commit"/> removes it.
/// </summary>
public sealed class OutputFolder : IDisposable
{
    private readonly List<string> _createdParents;
    private bool _committed;

    private OutputFolder(string destination, string temporary, List<string> createdParents)
    {
        Destination = destination;
        TemporaryPath = temporary;
        _createdParents = createdParents;
    }

    public string Destination { get; }

    /// <summary>Where to write; becomes <see cref="Destination"/> on commit.</summary>
    public string TemporaryPath { get; }

    /// <summary>Refuses an output that exists and is not empty (unless <paramref name="force"/>) or that overlaps an
    /// input, before any work.</summary>
    public static void Check(string destination, bool force, params string[] inputs)
    {
        string full = Path.GetFullPath(destination);
        if (File.Exists(full))
            throw new ErasureInputException($"Output {full} is a file; --out must name a folder.");
        foreach (var input in inputs.Select(Path.GetFullPath))
        {
            if (Overlaps(full, input))
                throw new ErasureInputException(
                    $"Output folder {full} overlaps the input {input}; choose an --out outside it (the input is never modified)."
                );
        }
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any() && !force)
            throw new ErasureInputException(
                $"Output folder {full} is not empty; choose another --out or pass --force to replace it."
            );
    }

    public static OutputFolder Begin(string destination, bool force, params string[] inputs)
    {
        Check(destination, force, inputs);
        string full = Path.GetFullPath(destination).TrimEnd(Path.DirectorySeparatorChar);
        string parent = Path.GetDirectoryName(full) ?? throw new ErasureInputException($"{full} has no parent folder.");
        var created = new List<string>();
        for (var dir = parent; !Directory.Exists(dir); dir = Path.GetDirectoryName(dir)!)
            created.Insert(0, dir);
        foreach (var dir in created)
            Directory.CreateDirectory(dir);
        string temporary = Path.Combine(parent, $".{Path.GetFileName(full)}.rece-partial-{ShortId()}");
        Directory.CreateDirectory(temporary);
        return new OutputFolder(full, temporary, created);
    }

    public string PathOf(string relative) => Path.Combine(TemporaryPath, relative);

    public void Commit()
    {
        if (Directory.Exists(Destination))
        {
            // Either empty or --force: move it aside first so the swap is two renames.
            string old = Path.Combine(
                Path.GetDirectoryName(Destination)!,
                $".{Path.GetFileName(Destination)}.rece-old-{ShortId()}"
            );
            Directory.Move(Destination, old);
            Directory.Move(TemporaryPath, Destination);
            Directory.Delete(old, recursive: true);
        }
        else
        {
            Directory.Move(TemporaryPath, Destination);
        }
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed)
            return;
        if (Directory.Exists(TemporaryPath))
            Directory.Delete(TemporaryPath, recursive: true);
        for (int i = _createdParents.Count - 1; i >= 0; i--)
        {
            if (Directory.Exists(_createdParents[i]) && !Directory.EnumerateFileSystemEntries(_createdParents[i]).Any())
                Directory.Delete(_createdParents[i]);
        }
    }

    private static string ShortId() => Guid.NewGuid().ToString("N")[..8];

    private static bool Overlaps(string a, string b)
    {
        string Norm(string p) => p.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        return Norm(a).StartsWith(Norm(b), StringComparison.Ordinal)
            || Norm(b).StartsWith(Norm(a), StringComparison.Ordinal);
    }
}
