using Microsoft.Extensions.Logging;

namespace Rece.Worker;

/// <summary>
/// The events the GPU worker logs (event ids 5000-5999), with the job's id, instance and attempt as fields: a retried
/// job is a Warning, a job given up or dropped an Error or Warning, a finished job Information.
/// </summary>
internal static partial class Logs
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "cannot read {Queue}: {Reason}")]
    public static partial void QueueUnreadable(this ILogger logger, string queue, string reason);

    [LoggerMessage(
        EventId = 5002,
        Level = LogLevel.Warning,
        Message = "message {MessageId}: {ErrorType}: {Reason}; it reappears after its visibility timeout"
    )]
    public static partial void MessageFailed(this ILogger logger, string messageId, string errorType, string reason);

    [LoggerMessage(
        EventId = 5003,
        Level = LogLevel.Error,
        Message = "deleting message {MessageId}: not a GPU job ({Reason})"
    )]
    public static partial void NotAJob(this ILogger logger, string messageId, string reason);

    [LoggerMessage(
        EventId = 5004,
        Level = LogLevel.Warning,
        Message = "{JobId} attempt {Attempt} (instance {InstanceId}): dropped: {Reason}"
    )]
    public static partial void JobDropped(
        this ILogger logger,
        string jobId,
        string instanceId,
        int attempt,
        string reason
    );

    [LoggerMessage(
        EventId = 5005,
        Level = LogLevel.Error,
        Message = "{JobId} attempt {Attempt} (instance {InstanceId}): giving up (another attempt may follow): {Reason}"
    )]
    public static partial void JobGivenUp(
        this ILogger logger,
        string jobId,
        string instanceId,
        int attempt,
        string reason
    );

    [LoggerMessage(
        EventId = 5006,
        Level = LogLevel.Information,
        Message = "{JobId} attempt {Attempt} (instance {InstanceId}): already committed; result raised again"
    )]
    public static partial void JobAlreadyCommitted(this ILogger logger, string jobId, string instanceId, int attempt);

    [LoggerMessage(
        EventId = 5007,
        Level = LogLevel.Information,
        Message = "{JobId} attempt {Attempt} (instance {InstanceId}): {Outcome} ({Seconds:F2} s)"
    )]
    public static partial void JobFinished(
        this ILogger logger,
        string jobId,
        string instanceId,
        int attempt,
        string outcome,
        double seconds
    );

    [LoggerMessage(
        EventId = 5008,
        Level = LogLevel.Warning,
        Message = "{JobId} attempt {Attempt} (instance {InstanceId}): {Reason}; the message reappears for another try"
    )]
    public static partial void JobRetried(
        this ILogger logger,
        string jobId,
        string instanceId,
        int attempt,
        string reason
    );

    [LoggerMessage(
        EventId = 5009,
        Level = LogLevel.Warning,
        Message = "{JobId} attempt {Attempt} (instance {InstanceId}): could not raise its claim: {Reason}"
    )]
    public static partial void ClaimFailed(
        this ILogger logger,
        string jobId,
        string instanceId,
        int attempt,
        string reason
    );

    [LoggerMessage(EventId = 5010, Level = LogLevel.Information, Message = "{JobId}: {Summary}")]
    public static partial void FanInDone(this ILogger logger, string jobId, string summary);

    [LoggerMessage(
        EventId = 5011,
        Level = LogLevel.Information,
        Message = "downloading models/{Model}/ ({Blobs} blobs, {Megabytes:F1} MB) to {Directory}"
    )]
    public static partial void Downloading(
        this ILogger logger,
        string model,
        int blobs,
        double megabytes,
        string directory
    );

    [LoggerMessage(
        EventId = 5012,
        Level = LogLevel.Information,
        Message = "model cache over {Gigabytes:F1} GB: deleted the least recently used copy {Directory} ({Megabytes:F1} MB)"
    )]
    public static partial void Evicted(this ILogger logger, double gigabytes, string directory, double megabytes);

    [LoggerMessage(
        EventId = 5013,
        Level = LogLevel.Information,
        Message = "loading {Model} ({Key}) for image generation ({Precision})"
    )]
    public static partial void LoadingGenerator(this ILogger logger, string model, string key, string precision);

    [LoggerMessage(EventId = 5014, Level = LogLevel.Information, Message = "loading {What}")]
    public static partial void LoadingMetricModel(this ILogger logger, string what);

    [LoggerMessage(EventId = 5015, Level = LogLevel.Information, Message = "loading {Model} ({Key})")]
    public static partial void LoadingModel(this ILogger logger, string model, string key);

    [LoggerMessage(
        EventId = 5016,
        Level = LogLevel.Warning,
        Message = "patches leave out unet/{Variant}: its K/V weights differ from unet/{Primary}"
    )]
    public static partial void VariantLeftOut(this ILogger logger, string variant, string primary);
}
