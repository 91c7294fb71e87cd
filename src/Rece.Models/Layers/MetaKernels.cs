using TorchSharp;
using static TorchSharp.torch;

namespace Rece.Models.Layers;

/// <summary>
/// Shape-only versions of the few operators libtorch's C++ build has no meta kernel for (conv2d, group and layer norm,
/// fused attention, index_select). On meta tensors the models call these instead, after the same device and dtype
/// checks the real kernels make, so a whole U-Net, VAE or CLIP tower runs on the meta device and any tensor left on
/// the CPU fails the run: this is how the tests prove every tensor path follows the chosen device without a GPU.
/// </summary>
public static class MetaKernels
{
    public static bool Applies(Tensor x) => x.device_type == DeviceType.META;

    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, long stride, long padding)
    {
        Check("conv2d", x, weight, bias);
        long height = (x.shape[2] + 2 * padding - weight.shape[2]) / stride + 1;
        long width = (x.shape[3] + 2 * padding - weight.shape[3]) / stride + 1;
        return empty(new[] { x.shape[0], weight.shape[0], height, width }, x.dtype, x.device);
    }

    /// <summary>Group or layer norm: the input's shape.</summary>
    public static Tensor Norm(string op, Tensor x, Tensor? weight, Tensor? bias)
    {
        Check(op, x, weight, bias);
        return empty(x.shape, x.dtype, x.device);
    }

    /// <summary>Fused attention: [..., queries, value width].</summary>
    public static Tensor Attention(Tensor query, Tensor key, Tensor value)
    {
        Check("scaled_dot_product_attention", query, key, value);
        var shape = query.shape.ToArray();
        shape[^1] = value.shape[^1];
        return empty(shape, query.dtype, query.device);
    }

    public static Tensor IndexSelect(Tensor table, Tensor indices)
    {
        if (indices.device_type != table.device_type)
            throw Mismatch("index_select", table.device, indices.device);
        return empty(new[] { indices.numel(), table.shape[1] }, table.dtype, table.device);
    }

    private static void Check(string op, Tensor x, params Tensor?[] others)
    {
        foreach (var other in others)
        {
            if (other is null)
                continue;
            if (other.device_type != x.device_type)
                throw Mismatch(op, x.device, other.device);
            if (other.dtype != x.dtype)
                throw new ArgumentException(
                    $"{op}: expected all tensors to have one dtype, found {x.dtype} and {other.dtype}."
                );
        }
    }

    private static ArgumentException Mismatch(string op, Device a, Device b) =>
        new($"{op}: expected all tensors to be on the same device, but found at least two devices, {a} and {b}.");
}
