using Microsoft.Extensions.Logging;
using Rece.Models.Devices;

namespace Rece.Cli;

/// <summary>The events the command line itself logs (event ids 6000-6999); the libraries log their own.</summary>
internal static partial class Logs
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "device: {Device}")]
    public static partial void ResolvedDevice(this ILogger logger, ComputeDevice device);
}
