using Rece.Erasure;
using Rece.Models.Fixtures;

namespace Rece.Evaluation.Tests;

/// <summary>Tiny Stable Diffusion fixtures and one RECE erasure of "nudity" from the first, written once for the
/// collection.</summary>
public sealed class TinyModels : IDisposable
{
    public TinyModels()
    {
        RandomModelFixture.Write(Base, FixtureKind.Tiny, seed: 11);
        RandomModelFixture.Write(OtherBase, FixtureKind.Tiny, seed: 12);
        Erasure = ErasureJob.Run(
            new ErasureRequest
            {
                ModelDirectory = Base,
                Concepts = new[] { "nudity" },
                Preset = "nudity",
                Preserve = new[] { "a portrait" },
                OutputDirectory = Erased,
            }
        );
    }

    private readonly TempFolder _folder = new("eval-models");

    public string Root => _folder.Path;

    public string Base => Path.Combine(Root, "base");

    public string OtherBase => Path.Combine(Root, "other-base");

    public string Erased => Path.Combine(Root, "erased");

    public ErasureReport Erasure { get; }

    public void Dispose()
    {
        _folder.Dispose();
    }
}
