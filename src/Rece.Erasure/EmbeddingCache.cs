using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace Rece.Erasure;

/// <summary>
/// Text embeddings kept between runs, so a repeated preserve set (e.g. the 1,733 other artists) is encoded once. Keyed
/// by the SHA-256 of the text encoder's weights file and the text's token ids (texts with the same ids share an entry).
/// One file per embedding (float32, with the SHA-256 of its values: a damaged file is ignored and rewritten), written
/// under a temporary name and renamed, so concurrent writers never expose a partial file. The directory is bounded:
/// past <see cref="MaxBytes"/> the least recently used files go. A process that erases repeatedly (the worker) can
/// also keep entries in memory. The cache is an optimisation only: an I/O error disables it for the run with a
/// warning, never the erasure.
/// </summary>
public sealed class EmbeddingCache
{
    /// <summary>Where `rece erase` keeps its cache unless told otherwise; "off" disables it.</summary>
    public const string DirectoryVariable = "RECE_EMBEDDING_CACHE";

    private const string FileExtension = ".emb";
    private static readonly byte[] EmbeddingMagic = "RECEEMB1"u8.ToArray();
    private static readonly byte[] GramMagic = "RECEGRM1"u8.ToArray();
    private const int HeaderBytes = 8 + 4 + 4 + 32;

    // Hashing a 492 MB encoder costs about 0.3 s; the hash is remembered per file identity (path, length, time).
    private static readonly ConcurrentDictionary<string, string> EncoderHashes = new(StringComparer.Ordinal);

    private readonly object _memoryLock = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, Tensor Value)>> _memory = new(
        StringComparer.Ordinal
    );
    private readonly LinkedList<(string Key, Tensor Value)> _recency = new();
    private long _memoryBytes;
    private bool _disabled;

    /// <param name="directory">The cache folder (created when first written); null: memory only.</param>
    /// <param name="maxBytes">Bound of the folder's size.</param>
    /// <param name="memoryBytes">Bound of the entries kept in memory (0: none).</param>
    public EmbeddingCache(string? directory, long maxBytes = 2L << 30, long memoryBytes = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(memoryBytes);
        Directory = directory is null ? null : Path.GetFullPath(directory);
        MaxBytes = maxBytes;
        MemoryBytes = memoryBytes;
    }

    public string? Directory { get; }

    public long MaxBytes { get; }

    public long MemoryBytes { get; }

    /// <summary>Entries found (in memory or on disk) and written since this cache was made.</summary>
    public int Hits { get; private set; }

    public int Misses { get; private set; }

    /// <summary>
    /// The cache `rece erase` uses: <see cref="DirectoryVariable"/> when set ("off": none), else
    /// ~/.cache/rece/embeddings
    /// (XDG_CACHE_HOME when set).
    /// </summary>
    public static EmbeddingCache? Default(string? configured)
    {
        string? value = configured;
        if (string.IsNullOrWhiteSpace(value))
            value = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (string.Equals(value, "off", StringComparison.OrdinalIgnoreCase))
            return null;
        if (string.IsNullOrWhiteSpace(value))
        {
            string root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            value = Path.Combine(root, "rece", "embeddings");
        }
        return new EmbeddingCache(value);
    }

    /// <summary>
    /// The SHA-256 (hex) of the encoder's weights file, remembered per path, length and write time in this process and
    /// in the cache folder (hashing a 492 MB encoder costs about 0.3 s, a run with every text cached about 1 s).
    /// </summary>
    public string EncoderKey(string weightsPath)
    {
        var info = new FileInfo(weightsPath);
        string identity = string.Create(
            CultureInfo.InvariantCulture,
            $"{info.FullName}|{info.Length}|{info.LastWriteTimeUtc.Ticks}"
        );
        string? memo =
            Directory is null || _disabled
                ? null
                : Path.Combine(
                    Directory,
                    "encoders",
                    Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))
                );
        string hash = EncoderHashes.GetOrAdd(identity, _ => ReadMemo(memo) ?? HashFile(weightsPath));
        WriteMemo(memo, hash);
        return hash;
    }

    private static string? ReadMemo(string? memo)
    {
        try
        {
            return
                memo is not null
                && File.Exists(memo)
                && File.ReadAllText(memo).Trim() is { Length: 64 } remembered
                && remembered.All(char.IsAsciiHexDigitLower)
                ? remembered
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static void WriteMemo(string? memo, string hash)
    {
        if (memo is null || File.Exists(memo))
            return;
        try
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(memo)!);
            string temporary = $"{memo}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            File.WriteAllText(temporary, hash);
            File.Move(temporary, memo, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only a memo: the next process hashes again.
        }
    }

    /// <summary>The cached embedding of <paramref name="ids"/> (a CPU float32 tensor the caller owns), or
    /// null.</summary>
    public Tensor? TryGet(string encoderKey, IReadOnlyList<int> ids, ILogger? log = null)
    {
        string key = Key(encoderKey, ids);
        lock (_memoryLock)
        {
            if (_memory.TryGetValue(key, out var node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                Hits++;
                return node.Value.Value.clone();
            }
        }
        var loaded = Directory is null || _disabled ? null : Read(PathOf(key), EmbeddingMagic, log);
        if (loaded is null)
        {
            Misses++;
            return null;
        }
        Hits++;
        Remember(key, loaded);
        return loaded;
    }

    /// <summary>Stores a copy of <paramref name="embedding"/> (rows x d).</summary>
    public void Put(string encoderKey, IReadOnlyList<int> ids, Tensor embedding, ILogger? log = null)
    {
        string key = Key(encoderKey, ids);
        using var scope = NewDisposeScope();
        var values = embedding.to(ScalarType.Float32).cpu().contiguous();
        Remember(key, values);
        if (Directory is null || _disabled)
            return;
        try
        {
            Write(PathOf(key), EmbeddingMagic, values);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Disable(log, e);
        }
    }

    /// <summary>
    /// The cached Gram matrix sum_r r r^T (d x d, float64) of a preserve set's token embeddings, in the order given
    /// (the sum's rounding follows it), or null. A repeated preserve set then needs neither its embeddings nor the
    /// product.
    /// </summary>
    public Tensor? TryGetGram(string encoderKey, IEnumerable<IReadOnlyList<int>> ids, ILogger? log = null)
    {
        if (Directory is null || _disabled)
            return null;
        var gram = Read(PathOf(GramKey(encoderKey, ids)), GramMagic, log);
        if (gram is null)
            Misses++;
        else
            Hits++;
        return gram;
    }

    public void PutGram(string encoderKey, IEnumerable<IReadOnlyList<int>> ids, Tensor gram, ILogger? log = null)
    {
        if (Directory is null || _disabled)
            return;
        try
        {
            using var scope = NewDisposeScope();
            Write(PathOf(GramKey(encoderKey, ids)), GramMagic, gram.to(ScalarType.Float64).cpu().contiguous());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Disable(log, e);
        }
    }

    /// <summary>Removes the least recently used files while the folder is larger than <see cref="MaxBytes"/>.</summary>
    public void Trim(ILogger? log = null)
    {
        if (Directory is null || _disabled || !System.IO.Directory.Exists(Directory))
            return;
        try
        {
            var files = new DirectoryInfo(Directory)
                .EnumerateFiles("*" + FileExtension, SearchOption.AllDirectories)
                .OrderByDescending(f => f.LastWriteTimeUtc)
                .ToList();
            long total = 0;
            foreach (var file in files)
            {
                total += file.Length;
                if (total > MaxBytes)
                    file.Delete();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Disable(log, e);
        }
    }

    private static string GramKey(string encoderKey, IEnumerable<IReadOnlyList<int>> ids)
    {
        var text = new StringBuilder("rece-preserve-gram/1|").Append(encoderKey).Append('|');
        foreach (var sequence in ids)
        {
            foreach (int id in sequence)
                text.Append(id.ToString(CultureInfo.InvariantCulture)).Append(',');
            text.Append(';');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static string Key(string encoderKey, IReadOnlyList<int> ids)
    {
        var text = new StringBuilder("rece-embedding/1|").Append(encoderKey).Append('|');
        foreach (int id in ids)
            text.Append(id.ToString(CultureInfo.InvariantCulture)).Append(',');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private string PathOf(string key) => Path.Combine(Directory!, key[..2], key + FileExtension);

    private Tensor? Read(string path, byte[] magic, ILogger? log)
    {
        byte[] bytes;
        try
        {
            if (!File.Exists(path))
                return null;
            bytes = File.ReadAllBytes(path);
            // Recently used: the size bound removes the oldest files first.
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Disable(log, e);
            return null;
        }
        if (Parse(bytes, magic) is { } tensor)
            return tensor;
        log?.EmbeddingCacheDamaged(path);
        return null;
    }

    /// <summary>The tensor a file holds (float32 embeddings or a float64 Gram matrix, by its magic), or null if
    /// damaged.</summary>
    private static Tensor? Parse(byte[] bytes, byte[] magic)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("The embedding cache is little-endian.");
        if (bytes.Length < HeaderBytes || !bytes.AsSpan(0, 8).SequenceEqual(magic))
            return null;
        int rows = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        int cols = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
        int size = magic == GramMagic ? 8 : 4;
        if (rows <= 0 || cols <= 0 || (long)rows * cols * size != bytes.Length - HeaderBytes)
            return null;
        var payload = bytes.AsSpan(HeaderBytes);
        if (!SHA256.HashData(payload).AsSpan().SequenceEqual(bytes.AsSpan(16, 32)))
            return null;
        var shape = new long[] { rows, cols };
        return size == 8
            ? tensor(MemoryMarshal.Cast<byte, double>(payload).ToArray(), shape, ScalarType.Float64)
            : tensor(MemoryMarshal.Cast<byte, float>(payload).ToArray(), shape, ScalarType.Float32);
    }

    private static void Write(string path, byte[] magic, Tensor values)
    {
        byte[] payloadBytes =
            values.dtype == ScalarType.Float64
                ? MemoryMarshal.AsBytes(values.data<double>().ToArray().AsSpan()).ToArray()
                : MemoryMarshal.AsBytes(values.data<float>().ToArray().AsSpan()).ToArray();
        var bytes = new byte[HeaderBytes + payloadBytes.Length];
        magic.CopyTo(bytes, 0);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), (int)values.shape[0]);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), (int)values.shape[1]);
        SHA256.HashData(payloadBytes).CopyTo(bytes, 16);
        payloadBytes.CopyTo(bytes.AsSpan(HeaderBytes));
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private void Remember(string key, Tensor values)
    {
        if (MemoryBytes == 0)
            return;
        long bytes = values.NumberOfElements * 4;
        lock (_memoryLock)
        {
            if (_memory.ContainsKey(key) || bytes > MemoryBytes)
                return;
            var copy = values.to(ScalarType.Float32, copy: true).DetachFromDisposeScope();
            _memory[key] = _recency.AddFirst((key, copy));
            _memoryBytes += bytes;
            while (_memoryBytes > MemoryBytes && _recency.Last is { } oldest)
            {
                _recency.RemoveLast();
                _memory.Remove(oldest.Value.Key);
                _memoryBytes -= oldest.Value.Value.NumberOfElements * 4;
                oldest.Value.Value.Dispose();
            }
        }
    }

    private void Disable(ILogger? log, Exception e)
    {
        if (_disabled)
            return;
        _disabled = true;
        log?.EmbeddingCacheUnavailable(Directory ?? "", e.Message);
    }
}
