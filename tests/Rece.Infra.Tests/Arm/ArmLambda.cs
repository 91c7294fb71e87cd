namespace Rece.Infra.Tests.Arm;

/// <summary>An ARM lambda: parameter names, body and the scope it was written in.</summary>
internal sealed record ArmLambda(
    IReadOnlyList<string> Parameters,
    ArmExpression Body,
    ArmScope Scope,
    IReadOnlyDictionary<string, object?> Captured
);
