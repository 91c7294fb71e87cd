namespace Rece.Core;

/// <summary>A user's value as an error message quotes it: control characters escaped, a long value cut.</summary>
public static class UserText
{
    public static string Printable(string value, int maxLength)
    {
        var text = string.Concat(
            value.Take(maxLength).Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString())
        );
        return value.Length > maxLength ? text + "..." : text;
    }
}
