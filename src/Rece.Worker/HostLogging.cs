using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Rece.Worker;

/// <summary>
/// The console log of `rece serve` and `rece worker`: one line per event on stderr for a person, or JSON lines with
/// every field (jobId, instanceId, attempt, ...) when RECE_LOG_FORMAT=json or in a container, so Log Analytics can
/// query the fields.
/// </summary>
public static class HostLogging
{
    public const string FormatVariable = "RECE_LOG_FORMAT";

    /// <summary>Set to "true" by the .NET container images.</summary>
    public const string ContainerVariable = "DOTNET_RUNNING_IN_CONTAINER";

    /// <summary>RECE_LOG_FORMAT=json, or in a container when RECE_LOG_FORMAT is not set.</summary>
    /// <param name="settings">The host's settings (<see cref="HostSettings.From"/>).</param>
    public static bool Json(IConfiguration settings) =>
        settings[FormatVariable] is { Length: > 0 } format
            ? string.Equals(format, "json", StringComparison.OrdinalIgnoreCase)
            : string.Equals(settings[ContainerVariable], "true", StringComparison.OrdinalIgnoreCase);

    public static ILoggingBuilder AddHostConsole(this ILoggingBuilder logging, IConfiguration settings)
    {
        if (Json(settings))
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
