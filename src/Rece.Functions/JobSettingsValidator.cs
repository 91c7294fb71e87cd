using Microsoft.Extensions.Options;

namespace Rece.Functions;

/// <summary>Names each bad setting in the start-up error (the options pattern's generic message would not).</summary>
public sealed class JobSettingsValidator : IValidateOptions<JobSettings>
{
    public ValidateOptionsResult Validate(string? name, JobSettings options)
    {
        var problems = options.Problems().ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
