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
}
