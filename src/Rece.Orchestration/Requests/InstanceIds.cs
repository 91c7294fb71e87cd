using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Rece.Orchestration.Requests;

/// <summary>Instance ids the hosts give new instances.</summary>
public static partial class InstanceIds
{
    /// <summary>
    /// A request blob's instance: its name and a hash of its name and content, so the same blob delivered (or dropped)
    /// twice maps to one instance, and a changed request under the same name to a new one. Only characters the Azure
    /// Storage backend accepts in keys and blob names.
    /// </summary>
    public static string ForBlob(string blobName, ReadOnlySpan<byte> content)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(blobName));
        hash.AppendData(new byte[] { 0 });
        hash.AppendData(content);
        string digest = Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
        string stem = blobName.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? blobName[..^5] : blobName;
        stem = Unsafe().Replace(stem, "-").Trim('-');
        if (stem.Length > 60)
            stem = stem[..60];
        return $"blob-{stem}-{digest}";
    }

    /// <summary>The longest id either host gives ("blob-" + 60 + "-" + 16 hex digits).</summary>
    public const int MaxLength = 82;

    /// <summary>An id of <see cref="MaxLength"/> characters, for sizing messages before an instance exists.</summary>
    internal static string LongestExample { get; } = new('x', MaxLength);

    /// <summary>A new HTTP request's instance.</summary>
    public static string New() => Guid.NewGuid().ToString("N");

    [GeneratedRegex("[^A-Za-z0-9_.-]+")]
    private static partial Regex Unsafe();
}
