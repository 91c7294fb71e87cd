namespace Rece.Models.Safetensors;

/// <summary>A tensor to write: name, dtype, shape and its row-major little-endian bytes.</summary>
public sealed record TensorToWrite(string Name, TensorDType DType, long[] Shape, ReadOnlyMemory<byte> Data);
