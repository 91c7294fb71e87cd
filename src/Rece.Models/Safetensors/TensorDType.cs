namespace Rece.Models.Safetensors;

/// <summary>The element types of the safetensors format.</summary>
public enum TensorDType
{
    BOOL,
    U8,
    I8,
    F8_E5M2,
    F8_E4M3,
    I16,
    U16,
    F16,
    BF16,
    I32,
    U32,
    F32,
    F64,
    I64,
    U64,
}

public static class TensorDTypes
{
    public static int ElementSize(TensorDType dtype) => dtype switch
    {
        TensorDType.BOOL or TensorDType.U8 or TensorDType.I8 or TensorDType.F8_E5M2 or TensorDType.F8_E4M3 => 1,
        TensorDType.I16 or TensorDType.U16 or TensorDType.F16 or TensorDType.BF16 => 2,
        TensorDType.I32 or TensorDType.U32 or TensorDType.F32 => 4,
        TensorDType.F64 or TensorDType.I64 or TensorDType.U64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    public static bool TryParse(string name, out TensorDType dtype) =>
        Enum.TryParse(name, ignoreCase: false, out dtype) && Enum.IsDefined(dtype) && name == dtype.ToString();

    public static TensorDType Parse(string name) =>
        TryParse(name, out var dtype) ? dtype : throw new ModelFormatException($"Unknown safetensors dtype \"{name}\".");
}

/// <summary>One tensor of a safetensors file; offsets are relative to the start of the data section.</summary>
public sealed record TensorInfo(string Name, TensorDType DType, long[] Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;

    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>A tensor to write: name, dtype, shape and its row-major little-endian bytes.</summary>
public sealed record TensorToWrite(string Name, TensorDType DType, long[] Shape, ReadOnlyMemory<byte> Data);

/// <summary>A tensor's header entry, for writers that produce the data later.</summary>
public sealed record TensorHeader(string Name, TensorDType DType, long[] Shape)
{
    public long ByteLength => Shape.Aggregate(1L, (a, b) => a * b) * TensorDTypes.ElementSize(DType);
}
