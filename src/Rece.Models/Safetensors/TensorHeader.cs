namespace Rece.Models.Safetensors;

/// <summary>A tensor's header entry, for writers that produce the data later.</summary>
public sealed record TensorHeader(string Name, TensorDType DType, long[] Shape)
{
    public long ByteLength => Shape.Aggregate(1L, (a, b) => a * b) * TensorDTypes.ElementSize(DType);
}
