using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace Rece.Models.Safetensors;

/// <summary>
/// A safetensors file opened for reading: the header is parsed once, tensor bytes are read on demand with positional
/// reads, so reading the 32 K/V matrices of a 3.4 GB U-Net touches only those bytes. Concurrent reads are safe.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    /// <summary>Headers larger than this are refused (the reference implementation's limit).</summary>
    public const long MaxHeaderLength = 100_000_000;

    private readonly SafeFileHandle _handle;
    private readonly Dictionary<string, TensorInfo> _byName;

    private SafetensorsFile(
        string path,
        SafeFileHandle handle,
        long fileLength,
        byte[] header,
        IReadOnlyDictionary<string, string> metadata,
        List<TensorInfo> tensors
    )
    {
        Path = path;
        _handle = handle;
        FileLength = fileLength;
        HeaderJson = header;
        Metadata = metadata;
        Tensors = tensors;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    public string Path { get; }

    public long FileLength { get; }

    /// <summary>8 + the header length: where tensor data starts.</summary>
    public long DataStart => 8 + HeaderJson.Length;

    /// <summary>The header's bytes exactly as stored (including any padding).</summary>
    public ReadOnlyMemory<byte> HeaderJson { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensors in the order of their data.</summary>
    public IReadOnlyList<TensorInfo> Tensors { get; }

    public TensorInfo this[string name] =>
        _byName.TryGetValue(name, out var info)
            ? info
            : throw new ModelFormatException($"{Path} has no tensor named {name}.");

    public bool TryGet(string name, out TensorInfo info) => _byName.TryGetValue(name, out info!);

    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path))
            throw new ModelFormatException($"Missing file {path}.");
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            long length = RandomAccess.GetLength(handle);
            Span<byte> prefix = stackalloc byte[8];
            if (length < 8 || RandomAccess.Read(handle, prefix, 0) != 8)
                throw new ModelFormatException(
                    $"{path} is not a safetensors file: it is shorter than the 8-byte header length."
                );
            if (prefix[0] == 0x80 && prefix[1] is >= 2 and <= 5 || prefix[..4].SequenceEqual("PK\u0003\u0004"u8))
                throw new ModelFormatException(
                    $"{path} is a PyTorch pickle checkpoint, not safetensors. Convert it with diffusers: python -c \"from diffusers import StableDiffusionPipeline as P; "
                        + "P.from_pretrained('IN').save_pretrained('OUT', safe_serialization=True)\""
                );
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerLength > MaxHeaderLength || (long)headerLength > length - 8)
                throw new ModelFormatException(
                    $"{path} is not a safetensors file: its header length {headerLength} exceeds the file ({length} bytes) or the 100 MB limit."
                );
            var header = new byte[headerLength];
            RandomAccess.Read(handle, header, 8);
            var (metadata, tensors) = ParseHeader(path, header, length - 8 - (long)headerLength);
            return new SafetensorsFile(path, handle, length, header, metadata, tensors);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static (IReadOnlyDictionary<string, string>, List<TensorInfo>) ParseHeader(
        string path,
        byte[] header,
        long dataLength
    )
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header.AsMemory().TrimEnd((byte)' '));
        }
        catch (JsonException e)
        {
            throw new ModelFormatException(
                $"{path} is not a safetensors file: its header is not valid JSON ({e.Message})."
            );
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new ModelFormatException($"{path} is not a safetensors file: its header is not a JSON object.");
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var tensors = new List<TensorInfo>();
            foreach (var entry in document.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__")
                {
                    if (entry.Value.ValueKind != JsonValueKind.Object)
                        throw new ModelFormatException($"{path}: __metadata__ must be an object of strings.");
                    foreach (var item in entry.Value.EnumerateObject())
                        metadata[item.Name] =
                            item.Value.ValueKind == JsonValueKind.String
                                ? item.Value.GetString()!
                                : throw new ModelFormatException(
                                    $"{path}: metadata value \"{item.Name}\" is not a string."
                                );
                    continue;
                }
                tensors.Add(ParseTensor(path, entry));
            }
            tensors.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            long previousEnd = 0;
            string? previous = null;
            foreach (var t in tensors)
            {
                if (t.End > dataLength)
                    throw new ModelFormatException(
                        $"{path}: tensor {t.Name} ends at byte {t.End} of a {dataLength}-byte data section (truncated file?)."
                    );
                if (t.Begin < previousEnd)
                    throw new ModelFormatException($"{path}: tensors {previous} and {t.Name} overlap.");
                previousEnd = t.End;
                previous = t.Name;
            }
            return (metadata, tensors);
        }
    }

    private static TensorInfo ParseTensor(string path, JsonProperty entry)
    {
        string name = entry.Name;
        var value = entry.Value;
        if (
            value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out var dtypeElement)
            || dtypeElement.ValueKind != JsonValueKind.String
            || !value.TryGetProperty("shape", out var shapeElement)
            || shapeElement.ValueKind != JsonValueKind.Array
            || !value.TryGetProperty("data_offsets", out var offsetsElement)
            || offsetsElement.ValueKind != JsonValueKind.Array
            || offsetsElement.GetArrayLength() != 2
        )
            throw new ModelFormatException(
                $"{path}: the header entry of tensor {name} needs \"dtype\", \"shape\" and two \"data_offsets\"."
            );
        if (!TensorDTypes.TryParse(dtypeElement.GetString()!, out var dtype))
            throw new ModelFormatException(
                $"{path}: tensor {name} has an unknown dtype \"{dtypeElement.GetString()}\"."
            );
        long[] shape;
        long begin,
            end;
        try
        {
            shape = shapeElement.EnumerateArray().Select(e => e.GetInt64()).ToArray();
            begin = offsetsElement[0].GetInt64();
            end = offsetsElement[1].GetInt64();
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new ModelFormatException($"{path}: tensor {name} has a non-integer shape or offset.");
        }
        if (shape.Any(d => d < 0))
            throw new ModelFormatException(
                $"{path}: tensor {name} has a negative dimension in {TensorShape.Format(shape)}."
            );
        if (begin < 0 || end < begin)
            throw new ModelFormatException($"{path}: tensor {name} has invalid data_offsets [{begin}, {end}].");
        long expected;
        try
        {
            expected = checked(shape.Aggregate(1L, (a, b) => a * b) * TensorDTypes.ElementSize(dtype));
        }
        catch (OverflowException)
        {
            throw new ModelFormatException(
                $"{path}: tensor {name} has the shape {TensorShape.Format(shape)}, whose size overflows; the file is damaged."
            );
        }
        if (end - begin != expected)
            throw new ModelFormatException(
                $"{path}: tensor {name} ({dtype} {TensorShape.Format(shape)}) needs {expected} bytes but its data_offsets span {end - begin}."
            );
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    /// <summary>Reads a tensor's bytes into <paramref name="destination"/> (exactly its byte length).</summary>
    public void Read(TensorInfo tensor, Span<byte> destination)
    {
        if (destination.Length != tensor.ByteLength)
            throw new ArgumentException(
                $"Tensor {tensor.Name} has {tensor.ByteLength} bytes; the destination has {destination.Length}.",
                nameof(destination)
            );
        ReadRange(DataStart + tensor.Begin, destination);
    }

    public byte[] ReadBytes(TensorInfo tensor)
    {
        var bytes = new byte[tensor.ByteLength];
        Read(tensor, bytes);
        return bytes;
    }

    /// <summary>A floating-point tensor as float32 values.</summary>
    public float[] ReadSingles(TensorInfo tensor)
    {
        var bytes = ReadBytes(tensor);
        var values = new float[tensor.ElementCount];
        switch (tensor.DType)
        {
            case TensorDType.F32:
                Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
                break;
            case TensorDType.F16:
                HalfPrecision.F16ToSingle(bytes, values);
                break;
            case TensorDType.BF16:
                HalfPrecision.BF16ToSingle(bytes, values);
                break;
            case TensorDType.F64:
                for (int i = 0; i < values.Length; i++)
                    values[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(i * 8));
                break;
            default:
                throw new ModelFormatException(
                    $"{Path}: tensor {tensor.Name} has dtype {tensor.DType}, not a floating-point dtype."
                );
        }
        return values;
    }

    private void ReadRange(long offset, Span<byte> destination)
    {
        while (destination.Length > 0)
        {
            int read = RandomAccess.Read(_handle, destination, offset);
            if (read == 0)
                throw new ModelFormatException($"{Path} ended early at byte {offset} (truncated file?).");
            destination = destination[read..];
            offset += read;
        }
    }

    public override string ToString() => Path;

    public void Dispose() => _handle.Dispose();

    internal static string HeaderText(ReadOnlyMemory<byte> header) => Encoding.UTF8.GetString(header.Span);
}
