namespace Rece.Infra.Tests.Arm;

/// <summary>
/// What only Azure knows at deployment time (a resource id, a principal id, uniqueString, a reference to a
/// deployed resource): kept as the call with its evaluated arguments, so tests can still say "the role is
/// scoped to resourceId('Microsoft.Storage/storageAccounts', &lt;the account&gt;)".
/// </summary>
internal sealed record Unresolved(string Function, IReadOnlyList<object?> Arguments, string Path = "")
{
    public Unresolved Member(string name) => this with { Path = Path + "." + name };

    public Unresolved At(object? key) => this with { Path = Path + "[" + ArmValues.Render(key) + "]" };

    public override string ToString() => $"{Function}({string.Join(", ", Arguments.Select(ArmValues.Render))}){Path}";

    public bool Equals(Unresolved? other) => other is not null && ToString() == other.ToString();

    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
}
