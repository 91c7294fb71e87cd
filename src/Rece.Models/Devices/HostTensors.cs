using TorchSharp;
using static TorchSharp.torch;

namespace Rece.Models.Devices;

/// <summary>The one way results come back from the compute device to the host.</summary>
public static class HostTensors
{
    /// <summary>
    /// A CPU copy of <paramref name="tensor"/> (the tensor itself when it is already on the CPU; a caller that owns the
    /// result disposes it either way only if it is not the argument). A meta tensor has no values: it comes back as
    /// ones of its shape and dtype (ones keep the erase's norms and ratios finite), so shape-only runs (tests) go on
    /// past the device boundary.
    /// </summary>
    public static Tensor ToHost(Tensor tensor) =>
        tensor.device_type switch
        {
            DeviceType.CPU => tensor,
            DeviceType.META => ones(tensor.shape, tensor.dtype),
            _ => tensor.cpu(),
        };

    /// <summary>A new CPU tensor holding <paramref name="tensor"/>'s values (always a copy, so the caller owns
    /// it).</summary>
    public static Tensor CopyToHost(Tensor tensor) =>
        tensor.device_type == DeviceType.CPU ? tensor.clone() : ToHost(tensor);

    /// <summary>Throws when <paramref name="tensor"/> is not on <paramref name="device"/>: a component's inputs must be
    /// on its device.</summary>
    public static void RequireOn(Tensor tensor, Device device, string component, string what)
    {
        if (
            tensor.device_type != device.type
            || (device.type == DeviceType.CUDA && tensor.device_index != device.index)
        )
            throw new ArgumentException(
                $"{component} computes on {Describe(device)}, but {what} is on {Describe(tensor.device)}; move it with .to(device) first."
            );
    }

    private static string Describe(Device device) =>
        device.type == DeviceType.CUDA ? $"cuda:{device.index}" : device.type.ToString().ToLowerInvariant();
}
