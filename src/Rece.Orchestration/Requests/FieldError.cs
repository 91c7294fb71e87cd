namespace Rece.Orchestration.Requests;

/// <summary>One problem with one field of a request.</summary>
/// <param name="Field">A JSON path such as "sweep.reg[1]" ("$" for the document itself).</param>
public sealed record FieldError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}
