using Microsoft.Extensions.Logging;

namespace Rece.Models;

/// <summary>The events Rece.Models logs (event ids 1000-1999).</summary>
internal static partial class Logs
{
    [LoggerMessage(
        EventId = 1001,
        Level = LogLevel.Information,
        Message = "writing {File} ({MillionParameters:F0}M parameters)"
    )]
    public static partial void WritingFixtureFile(this ILogger logger, string file, double millionParameters);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "writing {File}")]
    public static partial void WritingFixtureVariant(this ILogger logger, string file);
}
