using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Rece.Serve;

/// <summary>
/// The console log of `rece serve` and `rece worker`: one line per event on stderr for a person, or JSON lines with
/// every field (jobId, instanceId, attempt, ...) when RECE_LOG_FORMAT=json or in a container, so Log Analytics can
/// query the fields.
/// </summary>
public static class HostLogging
{
    public const string FormatVariable = "RECE_LOG_FORMAT";

    /// <summary>RECE_LOG_FORMAT=json, or in a container when RECE_LOG_FORMAT is not set.</summary>
    public static bool Json => Environment.GetEnvironmentVariable(FormatVariable) is { Length: > 0 } format
        ? string.Equals(format, "json", StringComparison.OrdinalIgnoreCase)
        : string.Equals(Environment.GetEnvironmentVariable("DOTNET_RUNNING_IN_CONTAINER"), "true", StringComparison.OrdinalIgnoreCase);

    public static ILoggingBuilder AddHostConsole(this ILoggingBuilder logging)
    {
        if (Json)
        {
            logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.UseUtcTimestamp = true;
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        }
        logging.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        return logging;
    }
}
