using System.Security.Cryptography;

namespace Rece.Testing;

/// <summary>What a test compares folders by: the SHA-256 of every file, by relative path.</summary>
public static class FileHashes
{
    public static Dictionary<string, string> Of(string folder) =>
        Directory
            .EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(
                f => Path.GetRelativePath(folder, f),
                f => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f)))
            );
}
