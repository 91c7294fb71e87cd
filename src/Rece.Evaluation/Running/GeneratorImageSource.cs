using Microsoft.Extensions.Logging;
using Rece.Evaluation.Images;
using Rece.Generation;
using Rece.Models.Schedulers;

namespace Rece.Evaluation.Running;

/// <summary>
/// A model's images made by the Stable Diffusion sampler: each case from its prompt (or, for an attack, from the given
/// 77 x d embedding) with the case's seed, so the baseline and the edited model see the same initial noise.
/// </summary>
public sealed class GeneratorImageSource : IImageSource, IDisposable
{
    private readonly bool _ownsPipeline;

    /// <param name="pipeline">A loaded model; disposed with this source only when
    /// <paramref name="ownsPipeline"/>.</param>
    public GeneratorImageSource(StableDiffusionPipeline pipeline, SamplerSettings settings, bool ownsPipeline = false)
    {
        settings.Validate();
        Pipeline = pipeline;
        Settings = settings;
        _ownsPipeline = ownsPipeline;
    }

    public StableDiffusionPipeline Pipeline { get; }

    public SamplerSettings Settings { get; }

    public string Description =>
        $"generated from {Pipeline.Files.Root} ({Settings.Steps} {Scheduler.Name(Settings.Scheduler)} steps, {Settings.Precision.Name()}, on {Pipeline.Device})";

    /// <summary>Settings.Batch, or as many images per U-Net pass as the device holds at the images' size.</summary>
    public int BatchSize
    {
        get
        {
            if (Settings.Batch is int batch)
                return batch;
            int size = Settings.Size ?? Pipeline.DefaultSize;
            return GenerationBatch.DefaultFor(
                Pipeline.Device,
                size,
                size,
                Pipeline.Precision,
                Pipeline.Device.FreeMemoryBytes()
            );
        }
    }

    public static GeneratorImageSource Load(string modelDirectory, SamplerSettings settings, ILogger? log = null)
    {
        settings.Validate();
        try
        {
            return new GeneratorImageSource(
                StableDiffusionPipeline.Load(modelDirectory, settings.Precision, log, settings.Device),
                settings,
                ownsPipeline: true
            );
        }
        catch (GenerationInputException e)
        {
            throw new EvaluationInputException(e.Message);
        }
    }

    public RgbImage Generate(GenerationRequest request) => Generate(new[] { request })[0];

    /// <summary>The images of several cases, in U-Net passes of cases that share a size (consecutive ones, in
    /// order).</summary>
    public IReadOnlyList<RgbImage> Generate(IReadOnlyList<GenerationRequest> requests)
    {
        var images = new List<RgbImage>(requests.Count);
        var group = new List<ImageRequest>();
        void Flush()
        {
            if (group.Count > 0)
                images.AddRange(Pipeline.Generate(group).Select(i => new RgbImage(i.Width, i.Height, i.Rgb)));
            group.Clear();
        }
        foreach (var request in requests)
        {
            var image = ToImageRequest(request);
            if (group.Count > 0 && (group[0].Width != image.Width || group[0].Height != image.Height))
                Flush();
            group.Add(image);
        }
        Flush();
        return images;
    }

    private ImageRequest ToImageRequest(GenerationRequest request)
    {
        var c = request.Case;
        int size(int? rowSize) => Settings.Size ?? rowSize ?? Pipeline.DefaultSize;
        return new ImageRequest
        {
            Prompt = request.PromptEmbedding is null ? c.Prompt : null,
            Embedding = request.PromptEmbedding,
            Seed = c.Seed is long seed ? checked((ulong)seed) : Settings.DefaultSeed,
            Guidance = c.Guidance ?? Settings.DefaultGuidance,
            Width = size(c.Width),
            Height = size(c.Height),
            Steps = Settings.Steps,
            Scheduler = Settings.Scheduler,
        };
    }

    public void Dispose()
    {
        if (_ownsPipeline)
            Pipeline.Dispose();
    }
}
