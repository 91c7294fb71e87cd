using System.Security.Cryptography;
using System.Text;

namespace Rece.Generation;

/// <summary>SHA-256 of every file that decides a model's images, and one hash over them all (the "model hash" of a
/// manifest).</summary>
public sealed record ModelFingerprint(string Hash, IReadOnlyDictionary<string, string> Files)
{
    /// <summary>Hashes the files (relative paths under <paramref name="root"/>); about 2 s per GB on one
    /// core.</summary>
    public static ModelFingerprint Compute(string root, IEnumerable<string> files)
    {
        var hashes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            using var stream = new FileStream(
                file,
                FileMode.Open,
                FileAccess.Read,
                FileShare.Read,
                1 << 20,
                FileOptions.SequentialScan
            );
            hashes[Path.GetRelativePath(root, file).Replace('\\', '/')] = Convert.ToHexStringLower(
                SHA256.HashData(stream)
            );
        }
        var summary = new StringBuilder();
        foreach (var (path, hash) in hashes)
            summary.Append(path).Append('\t').Append(hash).Append('\n');
        return new ModelFingerprint(
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(summary.ToString()))),
            hashes
        );
    }
}
