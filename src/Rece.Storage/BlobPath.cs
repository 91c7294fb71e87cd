namespace Rece.Storage;

/// <summary>"container/name", as the pipeline's documents write blob paths.</summary>
public readonly record struct BlobPath(string Container, string Name)
{
    /// <exception cref="FormatException">Not container/name, or a name that could leave its container.</exception>
    public static BlobPath Parse(string path)
    {
        int slash = path.IndexOf('/');
        if (slash <= 0 || slash == path.Length - 1)
            throw new FormatException($"\"{path}\" is not a blob path of the form container/name.");
        var parsed = new BlobPath(path[..slash], path[(slash + 1)..]);
        CheckName(parsed.Name);
        return parsed;
    }

    /// <summary>
    /// Refuses names the Storage SDK would resolve against the container's URI ("." and ".." parts, backslashes) and
    /// control characters: every name the pipeline builds from a request or a result must stay inside its container.
    /// A trailing '/' (a prefix) is allowed.
    /// </summary>
    /// <exception cref="FormatException">The name could leave its container.</exception>
    public static void CheckName(string name)
    {
        var parts = name.TrimEnd('/').Split('/');
        if (
            name.Length == 0
            || name.Length > 1024
            || name.Contains('\\')
            || name.Any(char.IsControl)
            || name.Contains('%')
            || parts.Any(p => p is "" or "." or "..")
        )
            throw new FormatException(
                $"\"{Printable(name)}\" is not a blob name inside its container: no empty, \".\" or \"..\" parts, backslashes, '%' or control characters."
            );
    }

    public BlobPath Child(string name) => new(Container, Name.EndsWith('/') ? Name + name : Name + "/" + name);

    public override string ToString() => $"{Container}/{Name}";

    private static string Printable(string value) => Rece.Core.UserText.Printable(value, 200);
}
