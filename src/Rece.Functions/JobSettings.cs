using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Rece.Orchestration;

namespace Rece.Functions;

/// <summary>
/// The Functions app's GPU job settings, bound from its app settings at start-up and validated there
/// (<see cref="AddJobSettings"/>): a value that is not a positive whole number stops the host with a message naming the
/// setting, instead of being ignored.
/// </summary>
public sealed class JobSettings
{
    public const string TimeoutVariable = "RECE_JOB_TIMEOUT_SECONDS";
    public const string AttemptsVariable = "RECE_JOB_ATTEMPTS";
    public const string QueueTimeoutVariable = "RECE_JOB_QUEUE_TIMEOUT_SECONDS";

    public string? TimeoutSeconds { get; set; }

    public string? Attempts { get; set; }

    public string? QueueTimeoutSeconds { get; set; }

    /// <summary>The policy the orchestrator gets: each setting given, else the default.</summary>
    public GpuJobPolicy Policy()
    {
        var policy = new GpuJobPolicy();
        return policy with
        {
            TimeoutSeconds = Parse(TimeoutSeconds) ?? policy.TimeoutSeconds,
            MaxAttempts = Parse(Attempts) ?? policy.MaxAttempts,
            QueueTimeoutSeconds = Parse(QueueTimeoutSeconds) ?? policy.QueueTimeoutSeconds,
        };
    }

    /// <summary>Every problem, each naming its setting.</summary>
    public IEnumerable<string> Problems()
    {
        foreach (
            var (name, value) in new[]
            {
                (TimeoutVariable, TimeoutSeconds),
                (AttemptsVariable, Attempts),
                (QueueTimeoutVariable, QueueTimeoutSeconds),
            }
        )
        {
            if (!string.IsNullOrWhiteSpace(value) && Parse(value) is null)
                yield return $"{name} must be a positive whole number, got \"{value}\"";
        }
    }

    /// <summary>Binds the settings from configuration and validates them when the host starts.</summary>
    public static IServiceCollection AddJobSettings(IServiceCollection services)
    {
        services
            .AddOptions<JobSettings>()
            .Configure<IConfiguration>(
                (settings, configuration) =>
                {
                    settings.TimeoutSeconds = configuration[TimeoutVariable];
                    settings.Attempts = configuration[AttemptsVariable];
                    settings.QueueTimeoutSeconds = configuration[QueueTimeoutVariable];
                }
            )
            .Validate(settings => !settings.Problems().Any(), "invalid GPU job settings")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<JobSettings>, JobSettingsValidator>();
        return services;
    }

    private static int? Parse(string? value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int parsed) && parsed > 0
            ? parsed
            : null;
}
