using Rece.Models.Devices;

namespace Rece.Worker;

/// <summary>
/// The device a worker takes jobs on. A GPU worker that finds no GPU refuses to start rather than take jobs at CPU
/// speed (a replica billed for a GPU while it samples on its CPU would take weeks over an evaluation): asked for cuda,
/// or built with the CUDA libtorch (the worker image) and left on auto, it needs a CUDA device; --device cpu takes jobs
/// on the CPU.
/// </summary>
public static class WorkerDevice
{
    /// <exception cref="DeviceUnavailableException">No CUDA device where one is required.</exception>
    public static ComputeDevice Choose(string? requested, string buildFlavour)
    {
        var device = ComputeDevice.Resolve(requested);
        bool auto =
            string.IsNullOrWhiteSpace(requested)
            || requested.Trim().Equals(ComputeDevice.Auto, StringComparison.OrdinalIgnoreCase);
        if (auto && !device.IsCuda && buildFlavour == "cuda")
            throw new DeviceUnavailableException(
                "this is a GPU worker (built with the CUDA libtorch) but libtorch reports no CUDA device, so it refuses jobs rather than run them at CPU speed. "
                    + "Check that the replica runs on a GPU workload profile and that the NVIDIA driver is visible (nvidia-smi), or pass --device cpu to take jobs on the CPU."
            );
        return device;
    }
}
