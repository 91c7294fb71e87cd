using Microsoft.Extensions.Logging;
using Rece.Models.Devices;

namespace Rece.Erasure;

/// <summary>The events Rece.Erasure logs (event ids 3000-3999).</summary>
internal static partial class Logs
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "device: {Device}")]
    public static partial void Device(this ILogger logger, ComputeDevice device);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "erasing {Concepts} with {Method}{Epochs}")]
    public static partial void Erasing(this ILogger logger, string concepts, string method, string epochs);

    [LoggerMessage(
        EventId = 3003,
        Level = LogLevel.Information,
        Message = "  {Stage,-13} residual {Residual:F4}  drift {Drift:F4}  weight change {WeightChange:F4}"
    )]
    public static partial void Stage(
        this ILogger logger,
        string stage,
        double residual,
        double drift,
        double weightChange
    );

    [LoggerMessage(
        EventId = 3004,
        Level = LogLevel.Warning,
        Message = "leaving out unet/{Variant}: its K/V weights differ from unet/{Primary} by {Difference:P1}, so the same edit does not apply; erase it on its own"
    )]
    public static partial void VariantLeftOut(this ILogger logger, string variant, string primary, double difference);

    [LoggerMessage(
        EventId = 3005,
        Level = LogLevel.Information,
        Message = "writing {File} with {Matrices} edited K/V matrices"
    )]
    public static partial void WritingWeights(this ILogger logger, string file, int matrices);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "encoded {Done}/{Total} texts")]
    public static partial void Encoded(this ILogger logger, int done, int total);

    [LoggerMessage(
        EventId = 3007,
        Level = LogLevel.Information,
        Message = "reading the cross-attention K/V matrices of unet/{File} and forming G0 on {Device} in the background"
    )]
    public static partial void ReadingKv(this ILogger logger, string file, string device);

    [LoggerMessage(
        EventId = 3008,
        Level = LogLevel.Information,
        Message = "loading the text encoder ({Layers} layers, d={Dim})"
    )]
    public static partial void LoadingTextEncoder(this ILogger logger, int layers, int dim);

    [LoggerMessage(
        EventId = 3009,
        Level = LogLevel.Warning,
        Message = "embedding cache file {Path} is damaged; it is ignored and will be rewritten"
    )]
    public static partial void EmbeddingCacheDamaged(this ILogger logger, string path);

    [LoggerMessage(
        EventId = 3010,
        Level = LogLevel.Warning,
        Message = "the embedding cache in {Directory} cannot be used ({Reason}); texts are encoded without it (set RECE_EMBEDDING_CACHE to a writable folder, or to off)"
    )]
    public static partial void EmbeddingCacheUnavailable(this ILogger logger, string directory, string reason);

    [LoggerMessage(
        EventId = 3011,
        Level = LogLevel.Information,
        Message = "embeddings: {Cached} of {Total} texts from the cache, {Encoded} encoded"
    )]
    public static partial void EmbeddingsFromCache(this ILogger logger, int cached, int total, int encoded);

    [LoggerMessage(
        EventId = 3012,
        Level = LogLevel.Information,
        Message = "preserve texts: {Done}/{Total} encoded and summed"
    )]
    public static partial void EncodedPreserve(this ILogger logger, int done, int total);

    [LoggerMessage(
        EventId = 3013,
        Level = LogLevel.Information,
        Message = "SPEED: {Done}/{Total} matrices edited ({Rows} preserve rows)"
    )]
    public static partial void SpeedProgress(this ILogger logger, int done, int total, long rows);
}
