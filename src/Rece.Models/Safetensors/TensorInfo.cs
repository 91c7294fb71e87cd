namespace Rece.Models.Safetensors;

/// <summary>One tensor of a safetensors file; offsets are relative to the start of the data section.</summary>
public sealed record TensorInfo(string Name, TensorDType DType, long[] Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;

    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}
