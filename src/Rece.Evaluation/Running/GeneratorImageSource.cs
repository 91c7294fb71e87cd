using Rece.Evaluation.Images;
using Rece.Generation;
using Rece.Models.Schedulers;

namespace Rece.Evaluation.Running;

/// <summary>How the sampler makes an evaluation's images; a prompt row's own seed, guidance and size win over the defaults.</summary>
/// <param name="Size">Every image at Size x Size; null: the row's sd_image_width/height when given, else the model's native size.</param>
public sealed record SamplerSettings(
    int Steps = 50,
    SchedulerKind Scheduler = SchedulerKind.Lms,
    Precision Precision = Precision.Fp32,
    double DefaultGuidance = 7.5,
    ulong DefaultSeed = 0,
    int? Size = null)
{
    public void Validate()
    {
        if (Steps is < 1 or > 1000)
            throw new EvaluationInputException($"--steps must be between 1 and 1000, got {Steps}.");
        if (Size is < 8 or > 16384)
            throw new EvaluationInputException($"--size must be between 8 and 16384 pixels, got {Size}.");
    }
}

/// <summary>
/// A model's images made by the Stable Diffusion sampler: each case from its prompt (or, for an attack, from the given
/// 77 x d embedding) with the case's seed, so the baseline and the edited model see the same initial noise.
/// </summary>
public sealed class GeneratorImageSource : IImageSource, IDisposable
{
    private readonly bool _ownsPipeline;

    /// <param name="pipeline">A loaded model; disposed with this source only when <paramref name="ownsPipeline"/>.</param>
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
        $"generated from {Pipeline.Files.Root} ({Settings.Steps} {Scheduler.Name(Settings.Scheduler)} steps, {Settings.Precision.Name()})";

    public static GeneratorImageSource Load(string modelDirectory, SamplerSettings settings, Action<string>? log = null)
    {
        settings.Validate();
        try
        {
            return new GeneratorImageSource(StableDiffusionPipeline.Load(modelDirectory, settings.Precision, log), settings, ownsPipeline: true);
        }
        catch (GenerationInputException e)
        {
            throw new EvaluationInputException(e.Message);
        }
    }

    public RgbImage Generate(GenerationRequest request)
    {
        var c = request.Case;
        int size(int? rowSize) => Settings.Size ?? rowSize ?? Pipeline.DefaultSize;
        var image = Pipeline.Generate(new ImageRequest
        {
            Prompt = request.PromptEmbedding is null ? c.Prompt : null,
            Embedding = request.PromptEmbedding,
            Seed = c.Seed is long seed ? checked((ulong)seed) : Settings.DefaultSeed,
            Guidance = c.Guidance ?? Settings.DefaultGuidance,
            Width = size(c.Width),
            Height = size(c.Height),
            Steps = Settings.Steps,
            Scheduler = Settings.Scheduler,
        });
        return new RgbImage(image.Width, image.Height, image.Rgb);
    }

    public void Dispose()
    {
        if (_ownsPipeline)
            Pipeline.Dispose();
    }
}

/// <summary>Loads each model folder into the sampler: what `rece evaluate --model/--baseline` generates with.</summary>
public sealed class GeneratorImageSourceFactory(SamplerSettings settings, Action<string>? log = null) : IImageSourceFactory
{
    public IImageSource ForModel(string modelDirectory) => GeneratorImageSource.Load(modelDirectory, settings, log);
}
