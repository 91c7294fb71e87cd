namespace Rece.Testing;

/// <summary>A temporary folder, created at once and removed with everything in it when disposed.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder(string label = "tests")
    {
        Path = System.IO.Path.Combine(
            System.IO.Path.GetTempPath(),
            $"rece-{label}-{Guid.NewGuid().ToString("N")[..10]}"
        );
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>A path inside the folder.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (Directory.Exists(Path))
            Directory.Delete(Path, recursive: true);
    }
}
