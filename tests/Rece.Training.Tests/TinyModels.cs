using Rece.Evaluation.Tests;
using Rece.Models.Fixtures;

namespace Rece.Training.Tests;

/// <summary>A tiny fixture model and four images of a concept, written once for the collection, plus a scratch
/// folder per test.</summary>
public sealed class TinyModels : IDisposable
{
    private readonly TempFolder _folder = new("training-tests");

    public TinyModels()
    {
        RandomModelFixture.Write(V1, FixtureKind.Tiny, seed: 7, fp16Variant: true);
        ConceptImages.Write(Images);
    }

    public string Root => _folder.Path;

    public string V1 => Path.Combine(Root, "tiny-v1");

    /// <summary>Four PNG images of "the concept".</summary>
    public string Images => Path.Combine(Root, "images");

    public string NewOutput() => Path.Combine(Root, "out-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>SHA-256 of every file below a folder, by relative path.</summary>
    public static Dictionary<string, string> HashTree(string folder) => FileHashes.Of(folder);

    public void Dispose() => _folder.Dispose();
}
