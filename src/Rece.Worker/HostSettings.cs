using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Rece.Core;

namespace Rece.Worker;

/// <summary>
/// How `rece serve` and `rece worker` take their settings, as the Functions app takes its own: options classes
/// (<see cref="IHostSettings"/>) bound from one configuration and validated on start
/// (<see cref="AddHostSettings{T}"/>), so a bad value stops the host with a message naming it instead of being
/// ignored. The configuration holds the environment variables and, over them, the options given on the command line
/// under their names ("--storage"): an option wins, its environment variable is the fallback, then the default.
/// </summary>
public static class HostSettings
{
    /// <summary>The environment variables with <paramref name="commandLine"/> (option name, value) over them.</summary>
    public static IConfiguration From(IEnumerable<KeyValuePair<string, string?>> commandLine) =>
        new ConfigurationBuilder().AddEnvironmentVariables().AddInMemoryCollection(commandLine).Build();

    /// <summary>Registers <typeparamref name="T"/> bound from <paramref name="settings"/>, checked on start.</summary>
    public static OptionsBuilder<T> AddHostSettings<T>(this IServiceCollection services, IConfiguration settings)
        where T : class, IHostSettings
    {
        services.AddSingleton<IValidateOptions<T>, SettingsValidator<T>>();
        return services.AddOptions<T>().Configure(options => options.Bind(settings)).ValidateOnStart();
    }

    /// <summary>
    /// Runs the validation a start would run, now: the hosts call it before they create anything in storage, so a
    /// bad setting leaves the account untouched. Every problem of every class goes into one single-line message.
    /// </summary>
    /// <exception cref="UserFixableException">What <paramref name="error"/> makes of the problems.</exception>
    public static void Check(IServiceProvider services, Func<string, UserFixableException> error)
    {
        try
        {
            services.GetService<IStartupValidator>()?.Validate();
        }
        catch (OptionsValidationException e)
        {
            throw error(Message(e.Failures));
        }
        catch (AggregateException e) when (e.InnerExceptions.All(i => i is OptionsValidationException))
        {
            throw error(Message(e.InnerExceptions.SelectMany(i => ((OptionsValidationException)i).Failures)));
        }
    }

    /// <summary>The option's value when given, else the environment variable's, else null (blank: not given).</summary>
    public static string? Value(IConfiguration settings, string? option, string? variable = null) =>
        Given(settings, option) ?? Given(settings, variable);

    /// <summary>A finite number written the invariant way ("1.5", "2e3"); null for anything else.</summary>
    public static double? Number(string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
        && double.IsFinite(value)
            ? value
            : null;

    /// <summary>A whole number; null for anything else.</summary>
    public static int? Whole(string? text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : null;

    /// <summary>A user's value as a message quotes it: control characters escaped, the message one line.</summary>
    public static string Quoted(string text) => $"\"{UserText.Printable(text, 200)}\"";

    /// <summary>Problem of a setting in seconds: null when <paramref name="text"/> is absent or fits.</summary>
    public static string? SecondsProblem(string name, string? text, double defaultSeconds, bool zeroAllowed = false) =>
        text is null
        || Number(text) is { } seconds && (seconds > 0 || zeroAllowed && seconds == 0) && seconds <= int.MaxValue
            ? null
            : $"{name} must be a {(zeroAllowed ? "non-negative" : "positive")} number of seconds, got {Quoted(text)} "
                + $"(default {defaultSeconds.ToString(CultureInfo.InvariantCulture)})";

    /// <summary>Problem of a whole-number setting: null when absent or at least <paramref name="min"/>.</summary>
    public static string? WholeProblem(string name, string? text, int min, int defaultValue) =>
        text is null || Whole(text) >= min
            ? null
            : $"{name} must be a whole number of at least {min}, got {Quoted(text)} (default {defaultValue})";

    private static string? Given(IConfiguration settings, string? key) =>
        key is not null && settings[key] is { } value && !string.IsNullOrWhiteSpace(value) ? value : null;

    private static string Message(IEnumerable<string> failures) =>
        string.Join("; ", failures.Select(f => UserText.Printable(f.TrimEnd('.'), 2000)));
}
