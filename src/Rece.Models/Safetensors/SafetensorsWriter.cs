using System.Buffers.Binary;
using System.Text.Json;

namespace Rece.Models.Safetensors;

/// <summary>
/// Writes safetensors files like the reference writer: compact JSON header (metadata first), padded with spaces so the
/// data starts at a multiple of 8, tensors contiguous in the given order. Every write goes to "PATH.partial" and is
/// renamed over PATH only when complete, so a crash never leaves a half-written file at PATH.
/// </summary>
public static class SafetensorsWriter
{
    public static void Write(
        string path,
        IReadOnlyList<TensorToWrite> tensors,
        IReadOnlyDictionary<string, string>? metadata = null
    )
    {
        foreach (var t in tensors)
        {
            long expected = new TensorHeader(t.Name, t.DType, t.Shape).ByteLength;
            if (t.Data.Length != expected)
                throw new ArgumentException(
                    $"Tensor {t.Name} ({t.DType} {TensorShape.Format(t.Shape)}) needs {expected} bytes, got {t.Data.Length}.",
                    nameof(tensors)
                );
        }
        WriteStreaming(
            path,
            tensors.Select(t => new TensorHeader(t.Name, t.DType, t.Shape)).ToList(),
            i => tensors[i].Data,
            metadata
        );
    }

    /// <summary>Writes the header, then asks for each tensor's bytes in order (so a multi-GB file never sits in
    /// memory).</summary>
    public static void WriteStreaming(
        string path,
        IReadOnlyList<TensorHeader> tensors,
        Func<int, ReadOnlyMemory<byte>> data,
        IReadOnlyDictionary<string, string>? metadata = null
    )
    {
        if (tensors.Select(t => t.Name).Distinct(StringComparer.Ordinal).Count() != tensors.Count)
            throw new ArgumentException("Tensor names must be unique.", nameof(tensors));
        byte[] header = BuildHeader(tensors, metadata);
        WriteAtomically(path, tensors.Sum(t => t.ByteLength) + 8 + header.Length, stream =>
        {
            WritePrefix(stream, header);
            for (int i = 0; i < tensors.Count; i++)
            {
                var bytes = data(i);
                if (bytes.Length != tensors[i].ByteLength)
                    throw new ArgumentException(
                        $"Tensor {tensors[i].Name} ({tensors[i].DType} {TensorShape.Format(tensors[i].Shape)}) needs {tensors[i].ByteLength} bytes, got {bytes.Length}."
                    );
                stream.Write(bytes.Span);
            }
        });
    }

    /// <summary>
    /// Copies <paramref name="source"/> with some tensors' bytes replaced (same byte length). The header is copied
    /// verbatim (metadata, order, dtypes and offsets unchanged) and every other byte is identical. The unchanged bytes
    /// are copied by the kernel (File.Copy: copy_file_range, or a reflink where the file system has them), then only
    /// the replaced ranges are written: a 3.4 GB U-Net never passes through this process.
    /// </summary>
    public static void CopyWithReplacedTensors(
        SafetensorsFile source,
        string destinationPath,
        IReadOnlyDictionary<string, ReadOnlyMemory<byte>> replacements
    )
    {
        var ordered = replacements
            .Select(r =>
            {
                var info = source[r.Key];
                if (r.Value.Length != info.ByteLength)
                    throw new ArgumentException(
                        $"Replacement for {r.Key} has {r.Value.Length} bytes; the tensor has {info.ByteLength}.",
                        nameof(replacements)
                    );
                return (Info: info, Data: r.Value);
            })
            .OrderBy(r => r.Info.Begin)
            .ToList();

        string partial = destinationPath + ".partial";
        try
        {
            File.Copy(source.Path, partial, overwrite: true);
            using (var handle = File.OpenHandle(partial, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                // The copy must be of the file that was parsed: same length and the same header bytes.
                var header = new byte[source.DataStart];
                if (
                    RandomAccess.GetLength(handle) != source.FileLength
                    || RandomAccess.Read(handle, header, 0) != header.Length
                    || !header.AsSpan(8).SequenceEqual(source.HeaderJson.Span)
                )
                    throw new IOException($"{source.Path} changed while it was being copied; run the command again.");
                foreach (var (info, data) in ordered)
                    RandomAccess.Write(handle, data.Span, source.DataStart + info.Begin);
                RandomAccess.FlushToDisk(handle);
            }
            File.Move(partial, destinationPath, overwrite: true);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }

    private static void WritePrefix(Stream stream, ReadOnlySpan<byte> header)
    {
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
    }

    private static byte[] BuildHeader(
        IReadOnlyList<TensorHeader> tensors,
        IReadOnlyDictionary<string, string>? metadata
    )
    {
        using var buffer = new MemoryStream();
        using (
            var json = new Utf8JsonWriter(
                buffer,
                new JsonWriterOptions
                {
                    Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                }
            )
        )
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata)
                    json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in tensors)
            {
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", t.DType.ToString());
                json.WriteStartArray("shape");
                foreach (var d in t.Shape)
                    json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + t.ByteLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += t.ByteLength;
            }
            json.WriteEndObject();
        }
        int padding = (int)((8 - (8 + buffer.Length) % 8) % 8);
        for (int i = 0; i < padding; i++)
            buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    private static void WriteAtomically(string path, long expectedLength, Action<Stream> write)
    {
        string partial = path + ".partial";
        try
        {
            using (
                var stream = new FileStream(
                    partial,
                    new FileStreamOptions
                    {
                        Mode = FileMode.Create,
                        Access = FileAccess.Write,
                        Share = FileShare.None,
                        BufferSize = 1 << 20,
                        PreallocationSize = expectedLength,
                    }
                )
            )
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(partial, path, overwrite: true);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }
}
