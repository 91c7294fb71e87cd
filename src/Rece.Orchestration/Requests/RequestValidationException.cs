using Rece.Core;

namespace Rece.Orchestration.Requests;

/// <summary>A request that cannot start: every problem found, each naming its field.</summary>
public sealed class RequestValidationException(IReadOnlyList<FieldError> errors)
    : UserFixableException("The erasure request is invalid: " + string.Join("; ", errors))
{
    public IReadOnlyList<FieldError> Errors { get; } = errors;
}
