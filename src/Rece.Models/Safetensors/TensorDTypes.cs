namespace Rece.Models.Safetensors;

public static class TensorDTypes
{
    public static int ElementSize(TensorDType dtype) =>
        dtype switch
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
        TryParse(name, out var dtype)
            ? dtype
            : throw new ModelFormatException($"Unknown safetensors dtype \"{name}\".");
}
