using Microsoft.Extensions.Logging;

namespace Rece.Evaluation;

/// <summary>The events Rece.Evaluation logs (event ids 4000-4999).</summary>
internal static partial class Logs
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "skipping {Metric}: {Reason}")]
    public static partial void MetricSkipped(this ILogger logger, string metric, string reason);

    [LoggerMessage(
        EventId = 4002,
        Level = LogLevel.Information,
        Message = "suite {Suite}: {Cases} cases ({Selection}); metrics: {Metrics}"
    )]
    public static partial void Suite(this ILogger logger, string suite, int cases, string selection, string metrics);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "evaluated {Done}/{Total} cases")]
    public static partial void Evaluated(this ILogger logger, int done, int total);

    [LoggerMessage(
        EventId = 4004,
        Level = LogLevel.Information,
        Message = "Ring-A-Bell: concept vector of \"{Concept}\" from {Pairs} prompt pairs, eta {Eta}"
    )]
    public static partial void RingABell(this ILogger logger, string concept, int pairs, double eta);

    [LoggerMessage(
        EventId = 4005,
        Level = LogLevel.Information,
        Message = "embedding-space measures of the baseline and the edited model"
    )]
    public static partial void Measuring(this ILogger logger);

    [LoggerMessage(
        EventId = 4006,
        Level = LogLevel.Information,
        Message = "FID reference: Inception features of {Images} images in {Folder}"
    )]
    public static partial void FidReference(this ILogger logger, int images, string folder);

    [LoggerMessage(
        EventId = 4007,
        Level = LogLevel.Information,
        Message = "UnlearnDiffAtk: prompt {Done}/{Total} (case {Case})"
    )]
    public static partial void AttackingPrompt(this ILogger logger, int done, int total, int @case);
}
