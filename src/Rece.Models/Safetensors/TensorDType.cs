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
