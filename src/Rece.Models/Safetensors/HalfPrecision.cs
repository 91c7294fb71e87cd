namespace Rece.Models.Safetensors;

/// <summary>IEEE half and bfloat16 conversions (round to nearest even, NaN kept NaN, as PyTorch does).</summary>
public static class HalfPrecision
{
    public static void F16ToSingle(ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++)
            destination[i] = (float)BitConverter.UInt16BitsToHalf((ushort)(source[2 * i] | source[2 * i + 1] << 8));
    }

    public static void BF16ToSingle(ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++)
            destination[i] = BitConverter.UInt32BitsToSingle((uint)(source[2 * i] | source[2 * i + 1] << 8) << 16);
    }

    public static void SingleToF16(ReadOnlySpan<float> source, Span<byte> destination)
    {
        for (int i = 0; i < source.Length; i++)
        {
            ushort bits = BitConverter.HalfToUInt16Bits((Half)source[i]);
            destination[2 * i] = (byte)bits;
            destination[2 * i + 1] = (byte)(bits >> 8);
        }
    }

    public static void SingleToBF16(ReadOnlySpan<float> source, Span<byte> destination)
    {
        for (int i = 0; i < source.Length; i++)
        {
            uint bits = BitConverter.SingleToUInt32Bits(source[i]);
            ushort rounded = float.IsNaN(source[i])
                ? (ushort)((bits >> 16) | 0x0040)
                : (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
            destination[2 * i] = (byte)rounded;
            destination[2 * i + 1] = (byte)(rounded >> 8);
        }
    }
}
