namespace Rece.Storage;

/// <summary>"container/name", as the pipeline's documents write blob paths.</summary>
public readonly record struct BlobPath(string Container, string Name)
{
    public static BlobPath Parse(string path)
    {
        int slash = path.IndexOf('/');
        if (slash <= 0 || slash == path.Length - 1)
            throw new FormatException($"\"{path}\" is not a blob path of the form container/name.");
        return new BlobPath(path[..slash], path[(slash + 1)..]);
    }

    public BlobPath Child(string name) => new(Container, Name.EndsWith('/') ? Name + name : Name + "/" + name);

    public override string ToString() => $"{Container}/{Name}";
}
