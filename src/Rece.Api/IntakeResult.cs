using Rece.Orchestration.Requests;

namespace Rece.Api;

public sealed record IntakeResult(
    IntakeOutcome Outcome,
    string? InstanceId,
    IReadOnlyList<FieldError> Errors,
    string? Note = null
);
