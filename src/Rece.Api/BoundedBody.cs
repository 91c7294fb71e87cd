namespace Rece.Api;

/// <summary>
/// Reads a request body up to a cap. Content-Length alone is no limit: a chunked body has none and a client may send
/// more than it declared, so the stream itself is read for at most cap + 1 bytes and anything longer is refused unread.
/// </summary>
public static class BoundedBody
{
    /// <summary>An erasure request or an event body: a small JSON document.</summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>The bytes of a stream of at most <paramref name="maxBytes"/> bytes; null when it holds more.</summary>
    public static async Task<byte[]?> ReadAsync(
        Stream stream,
        int maxBytes = MaxBytes,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        while (true)
        {
            // Never ask for more than one byte past the cap: that byte alone tells an oversized body.
            int want = (int)Math.Min(chunk.Length, maxBytes + 1L - buffer.Length);
            int read = await stream.ReadAsync(chunk.AsMemory(0, want), cancellationToken);
            if (read == 0)
                return buffer.ToArray();
            buffer.Write(chunk, 0, read);
            if (buffer.Length > maxBytes)
                return null;
        }
    }
}
