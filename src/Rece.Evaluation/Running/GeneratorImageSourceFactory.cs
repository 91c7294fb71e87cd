using Microsoft.Extensions.Logging;

namespace Rece.Evaluation.Running;

/// <summary>Loads each model folder into the sampler: what `rece evaluate --model/--baseline` generates with.</summary>
public sealed class GeneratorImageSourceFactory(SamplerSettings settings, ILogger? log = null) : IImageSourceFactory
{
    public IImageSource ForModel(string modelDirectory) => GeneratorImageSource.Load(modelDirectory, settings, log);
}
