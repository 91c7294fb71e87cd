using Rece.Models.Fixtures;

namespace Rece.Erasure.Tests;

/// <summary>Tiny fixture models, written once for all tests of the collection, plus a scratch folder per
/// test.</summary>
public sealed class TinyModels : IDisposable
{
    public TinyModels()
    {
        RandomModelFixture.Write(V1, FixtureKind.Tiny, seed: 7, fp16Variant: true);
        RandomModelFixture.Write(OtherV1, FixtureKind.Tiny, seed: 8);
        RandomModelFixture.Write(V2, FixtureKind.TinyV2, seed: 9);
    }

    private readonly TempFolder _folder = new("erasure-tests");

    public string Root => _folder.Path;

    /// <summary>SD v1.x layout with an fp16 U-Net variant.</summary>
    public string V1 => Path.Combine(Root, "tiny-v1");

    /// <summary>Same layout, other weights.</summary>
    public string OtherV1 => Path.Combine(Root, "tiny-v1-other");

    public string V2 => Path.Combine(Root, "tiny-v2");

    public string NewOutput() => Path.Combine(Root, "out-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>SHA-256 of every file below a folder, by relative path.</summary>
    public static Dictionary<string, string> HashTree(string folder) => FileHashes.Of(folder);

    public void Dispose()
    {
        _folder.Dispose();
    }
}
