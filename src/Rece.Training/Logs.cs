using Microsoft.Extensions.Logging;

namespace Rece.Training;

/// <summary>The events Rece.Training logs (event ids 7000-7999).</summary>
internal static partial class Logs
{
    [LoggerMessage(
        EventId = 7001,
        Level = LogLevel.Information,
        Message = "encoding {Images} images of \"{Concept}\" at {Size} x {Size} with the VAE"
    )]
    public static partial void EncodingImages(this ILogger logger, int images, string concept, int size);

    [LoggerMessage(
        EventId = 7002,
        Level = LogLevel.Information,
        Message = "unlearning \"{Concept}\": {Weights} text encoder weights, {Epochs} epochs of {Steps} steps"
    )]
    public static partial void Unlearning(this ILogger logger, string concept, int weights, int epochs, int steps);

    [LoggerMessage(
        EventId = 7003,
        Level = LogLevel.Information,
        Message = "  epoch {Epoch} step {Step}: loss {Loss:F5}"
    )]
    public static partial void TrainingStep(this ILogger logger, int epoch, int step, double loss);

    [LoggerMessage(
        EventId = 7004,
        Level = LogLevel.Information,
        Message = "generating {Samples} images of \"{Concept}\" at {Size} x {Size} with the original model ({Steps} DDIM steps each): the latents to train on"
    )]
    public static partial void GeneratingTrajectories(
        this ILogger logger,
        int samples,
        string concept,
        int size,
        int steps
    );

    [LoggerMessage(
        EventId = 7005,
        Level = LogLevel.Information,
        Message = "training \"{Concept}\" to guide as \"{Alternative}\" does: {Weights} U-Net weights, {Steps} steps"
    )]
    public static partial void TrainingAllButOne(
        this ILogger logger,
        string concept,
        string alternative,
        int weights,
        int steps
    );

    [LoggerMessage(EventId = 7006, Level = LogLevel.Information, Message = "  step {Step}/{Steps}: loss {Loss:F6}")]
    public static partial void AllButOneStep(this ILogger logger, int step, int steps, double loss);
}
