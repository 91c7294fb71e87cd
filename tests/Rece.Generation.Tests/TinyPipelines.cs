using Rece.Models.Fixtures;

namespace Rece.Generation.Tests;

/// <summary>Tiny fixture models (SD v1.x and v2.x layouts, with VAE and scheduler) written and loaded once for a
/// collection.</summary>
public sealed class TinyPipelines : IDisposable
{
    public TinyPipelines()
    {
        RandomModelFixture.Write(V1, FixtureKind.Tiny, seed: 7);
        RandomModelFixture.Write(V2, FixtureKind.TinyV2, seed: 9);
        Pipeline = StableDiffusionPipeline.Load(V1);
    }

    private readonly TempFolder _folder = new("generation-tests");

    public string Root => _folder.Path;

    public string V1 => Path.Combine(Root, "tiny-v1");

    public string V2 => Path.Combine(Root, "tiny-v2");

    /// <summary>The SD v1.x-layout model, loaded in fp32.</summary>
    public StableDiffusionPipeline Pipeline { get; }

    public string NewFolder() => Path.Combine(Root, "out-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        Pipeline.Dispose();
        _folder.Dispose();
    }
}
