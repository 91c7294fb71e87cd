namespace Rece.Evaluation.Suites;

/// <summary>The prompt files embedded in this assembly (data/prompts).</summary>
public static class EmbeddedData
{
    public static Stream Open(string fileName) =>
        typeof(EmbeddedData).Assembly.GetManifestResourceStream("prompts/" + fileName)
        ?? throw new InvalidOperationException(
            $"The prompt file {fileName} is not embedded in {typeof(EmbeddedData).Assembly.GetName().Name}."
        );

    public static IReadOnlyList<string> FileNames =>
        typeof(EmbeddedData)
            .Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("prompts/", StringComparison.Ordinal))
            .Select(n => n["prompts/".Length..])
            .Order()
            .ToList();
}
