using static TorchSharp.torch;

namespace Rece.Models.Safetensors;

/// <summary>Moves tensors between safetensors files and TorchSharp without intermediate copies.</summary>
public static class TorchTensors
{
    public static ScalarType ToScalarType(TensorDType dtype) =>
        dtype switch
        {
            TensorDType.F32 => ScalarType.Float32,
            TensorDType.F16 => ScalarType.Float16,
            TensorDType.BF16 => ScalarType.BFloat16,
            TensorDType.F64 => ScalarType.Float64,
            TensorDType.I64 => ScalarType.Int64,
            TensorDType.I32 => ScalarType.Int32,
            TensorDType.I16 => ScalarType.Int16,
            TensorDType.I8 => ScalarType.Int8,
            TensorDType.U8 => ScalarType.Byte,
            TensorDType.BOOL => ScalarType.Bool,
            _ => throw new ModelFormatException(
                $"Tensors of dtype {dtype} cannot be loaded for computation (they are copied through unchanged)."
            ),
        };

    public static TensorDType ToDType(ScalarType type) =>
        type switch
        {
            ScalarType.Float32 => TensorDType.F32,
            ScalarType.Float16 => TensorDType.F16,
            ScalarType.BFloat16 => TensorDType.BF16,
            ScalarType.Float64 => TensorDType.F64,
            ScalarType.Int64 => TensorDType.I64,
            ScalarType.Int32 => TensorDType.I32,
            ScalarType.Int16 => TensorDType.I16,
            ScalarType.Int8 => TensorDType.I8,
            ScalarType.Byte => TensorDType.U8,
            ScalarType.Bool => TensorDType.BOOL,
            _ => throw new ArgumentException($"No safetensors dtype for {type}."),
        };

    /// <summary>Reads a tensor in its stored dtype, straight into the tensor's memory.</summary>
    public static Tensor Read(SafetensorsFile file, TensorInfo info)
    {
        var tensor = empty(info.Shape, ToScalarType(info.DType));
        if (info.ByteLength > 0)
            file.Read(info, tensor.bytes);
        return tensor;
    }

    /// <summary>Reads a floating-point tensor and converts it to float32.</summary>
    public static Tensor ReadFloat32(SafetensorsFile file, TensorInfo info)
    {
        var stored = Read(file, info);
        if (stored.dtype == ScalarType.Float32)
            return stored;
        if (!stored.is_floating_point())
        {
            stored.Dispose();
            throw new ModelFormatException(
                $"{file.Path}: tensor {info.Name} has dtype {info.DType}, expected a floating-point dtype (F32, F16, BF16)."
            );
        }
        using (stored)
            return stored.to(ScalarType.Float32);
    }

    /// <summary>The tensor's bytes in safetensors layout (row-major, little-endian).</summary>
    public static byte[] ToBytes(Tensor tensor)
    {
        using var contiguous = tensor.contiguous();
        return contiguous.bytes.ToArray();
    }

    public static TensorToWrite ToWrite(string name, Tensor tensor) =>
        new(name, ToDType(tensor.dtype), tensor.shape.ToArray(), ToBytes(tensor));
}
