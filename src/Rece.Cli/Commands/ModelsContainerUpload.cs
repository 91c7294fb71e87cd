using Rece.Storage;

namespace Rece.Cli.Commands;

/// <summary>What the upload commands share: the folder name checked as a request names it, and files put under it in
/// the models container.</summary>
internal static class ModelsContainerUpload
{
    /// <summary>The error for <paramref name="name"/> as a request's field <paramref name="field"/> would give it;
    /// null when the name is valid.</summary>
    /// <param name="request">A request holding the name (JSON-encoded in place of {0}).</param>
    public static string? NameError(string name, string request, string field)
    {
        try
        {
            Rece.Orchestration.Requests.PipelineRequestParser.Parse(
                string.Format(
                    System.Globalization.CultureInfo.InvariantCulture,
                    request,
                    System.Text.Json.JsonSerializer.Serialize(name)
                )
            );
            return null;
        }
        catch (Rece.Orchestration.Requests.RequestValidationException e)
        {
            return e.Errors.FirstOrDefault(f => f.Field == field)?.Message;
        }
    }

    /// <summary>Uploads <paramref name="files"/> (below <paramref name="root"/>) as models/NAME/..., overwriting;
    /// returns the line the commands print.</summary>
    public static string Upload(
        StorageAccount account,
        string name,
        string root,
        IReadOnlyCollection<string> files,
        CancellationToken cancellationToken
    )
    {
        var container = account.Container(StorageNames.Models);
        container.CreateIfNotExists(cancellationToken: cancellationToken);
        long bytes = 0;
        foreach (var file in files)
        {
            string blob = $"{name}/{Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/')}";
            container.GetBlobClient(blob).Upload(file, overwrite: true, cancellationToken);
            bytes += new FileInfo(file).Length;
        }
        return $"{StorageNames.Models}/{name}/ ({files.Count} files, {bytes / 1e6:F1} MB)";
    }
}
