using Microsoft.Extensions.Options;

namespace Rece.Worker;

/// <summary>Names each bad setting in the start-up error (the options pattern's generic message would not).</summary>
public sealed class SettingsValidator<T> : IValidateOptions<T>
    where T : class, IHostSettings
{
    public ValidateOptionsResult Validate(string? name, T options)
    {
        var problems = options.Problems().ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
