using Microsoft.Extensions.Logging;
using Rece.Models.Devices;

namespace Rece.Generation;

/// <summary>The events Rece.Generation logs (event ids 2000-2999).</summary>
internal static partial class Logs
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "{Warning}")]
    public static partial void SlowPrecision(this ILogger logger, string warning);

    [LoggerMessage(
        EventId = 2002,
        Level = LogLevel.Information,
        Message = "loading the U-Net ({File}, {Precision}) in the background"
    )]
    public static partial void LoadingUNet(this ILogger logger, string file, string precision);

    [LoggerMessage(
        EventId = 2003,
        Level = LogLevel.Information,
        Message = "loading the text encoder ({Layers} layers, d={Dim})"
    )]
    public static partial void LoadingTextEncoder(this ILogger logger, int layers, int dim);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "loading the VAE ({File})")]
    public static partial void LoadingVae(this ILogger logger, string file);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "device: {Device}")]
    public static partial void Device(this ILogger logger, ComputeDevice device);

    [LoggerMessage(
        EventId = 2006,
        Level = LogLevel.Information,
        Message = "{Images} image(s) in this run{Shard} on {Device}, {Precision}"
    )]
    public static partial void Planned(
        this ILogger logger,
        int images,
        string shard,
        ComputeDevice device,
        string precision
    );

    [LoggerMessage(
        EventId = 2007,
        Level = LogLevel.Information,
        Message = "{Images} image(s) already in {Folder}: skipped"
    )]
    public static partial void AlreadyThere(this ILogger logger, int images, string folder);

    [LoggerMessage(
        EventId = 2008,
        Level = LogLevel.Information,
        Message = "{Batch} images per U-Net pass (the device's default; --batch N to choose)"
    )]
    public static partial void DefaultBatch(this ILogger logger, int batch);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Warning, Message = "{Warning}")]
    public static partial void OutdatedSchedulerConfig(this ILogger logger, string warning);
}
