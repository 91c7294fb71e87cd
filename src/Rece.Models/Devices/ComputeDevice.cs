using System.Reflection;
using TorchSharp;
using static TorchSharp.torch;

namespace Rece.Models.Devices;

/// <summary>
/// Where tensors are computed: the CPU, a CUDA device, or libtorch's shape-only meta device (tests). Chosen once per
/// command or worker from <c>--device auto|cpu|cuda|cuda:N</c> and passed to every component that creates tensors, so
/// weights, latents and intermediate results live on one device and only final results (8-bit images, scores, the
/// erase's d x d inputs) come back to the host.
/// </summary>
public sealed class ComputeDevice
{
    public const string Auto = "auto";

    /// <summary>The values <c>--device</c> takes, for help texts.</summary>
    public const string Choices = "auto, cpu, cuda or cuda:N";

    private ComputeDevice(Device torch, DeviceInfo info)
    {
        Torch = torch;
        Info = info;
    }

    public static ComputeDevice Cpu { get; } = new(CPU, DescribeCpu("cpu"));

    /// <summary>libtorch's meta device: tensors carry shape and dtype but no data, so whole models run shape-only and
    /// any tensor left on another device fails the run. Only for tests: values read back from it are ones.</summary>
    public static ComputeDevice Meta { get; } =
        new(new Device(DeviceType.META), new DeviceInfo("meta", "meta", "shape-only", null));

    /// <summary>The libtorch device.</summary>
    public Device Torch { get; }

    public DeviceInfo Info { get; }

    /// <summary>"cpu", "cuda:0", "meta".</summary>
    public string Name => Info.Device;

    public bool IsCuda => Torch.type == DeviceType.CUDA;

    public bool IsCpu => Torch.type == DeviceType.CPU;

    public bool IsMeta => Torch.type == DeviceType.META;

    /// <summary>Which libtorch this build ships ("cpu" or "cuda"): the TorchDevice MSBuild property it was built
    /// with.</summary>
    public static string BuildFlavour { get; } =
        typeof(ComputeDevice)
            .Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "Rece.TorchDevice")
            ?.Value
        ?? "cpu";

    /// <summary>Whether libtorch reports a usable CUDA device.</summary>
    public static bool CudaAvailable
    {
        get
        {
            try
            {
                return cuda.is_available();
            }
            catch (Exception e) when (e is NotSupportedException or InvalidOperationException or DllNotFoundException)
            {
                return false;
            }
        }
    }

    /// <summary>Resolves a <c>--device</c> value: <c>auto</c> takes the first CUDA device when libtorch reports one,
    /// else the CPU.</summary>
    /// <exception cref="DeviceUnavailableException">An unknown value, or a CUDA device this machine or build cannot
    /// provide.</exception>
    public static ComputeDevice Resolve(string? requested)
    {
        string spec = string.IsNullOrWhiteSpace(requested) ? Auto : requested.Trim().ToLowerInvariant();
        if (spec == "cpu")
            return Cpu;
        if (spec == Auto)
            return CudaAvailable ? Cuda(0, Auto) : Cpu;
        int index = 0;
        if (
            spec != "cuda"
            && !(
                spec.StartsWith("cuda:", StringComparison.Ordinal)
                && int.TryParse(spec.AsSpan(5), out index)
                && index >= 0
            )
        )
            throw new DeviceUnavailableException(
                $"--device \"{requested}\" is not a device; use {Choices} (N counts from 0)."
            );
        if (!CudaAvailable)
            throw new DeviceUnavailableException(
                $"--device {spec}: libtorch reports no CUDA device on this machine"
                    + (
                        BuildFlavour == "cuda"
                            ? " (this is the CUDA build: is an NVIDIA GPU attached and its driver installed and visible, e.g. nvidia-smi works and CUDA_VISIBLE_DEVICES is not empty?)"
                            : " (this build ships the CPU libtorch; publish with -p:TorchDevice=cuda or use the GPU worker image for CUDA)"
                    )
                    + ". Run on a machine with an NVIDIA GPU, or pass --device cpu (or auto) to compute on the CPU."
            );
        int count = cuda.device_count();
        if (index >= count)
            throw new DeviceUnavailableException(
                $"--device {spec}: this machine has {count} CUDA device(s), numbered 0 to {count - 1}."
            );
        return Cuda(index, spec);
    }

    private static ComputeDevice Cuda(int index, string requested)
    {
        var properties = CudaDriver.Describe(index);
        var info = new DeviceInfo(
            $"cuda:{index}",
            requested,
            properties?.Name ?? "CUDA device",
            properties?.TotalMemoryBytes,
            properties?.ComputeCapability,
            properties?.DriverCudaVersion
        );
        return new ComputeDevice(new Device(DeviceType.CUDA, index), info);
    }

    /// <summary>Free device memory now (CUDA only; null elsewhere or when the driver cannot say).</summary>
    public long? FreeMemoryBytes() => IsCuda ? CudaDriver.Describe(Torch.index)?.FreeMemoryBytes : null;

    /// <summary>Waits for the device's queued work (CUDA runs asynchronously), so timings measure the work
    /// itself.</summary>
    public void Synchronize()
    {
        if (IsCuda)
            cuda.synchronize(Torch);
    }

    public override string ToString() => Info.ToString();

    private static DeviceInfo DescribeCpu(string requested)
    {
        string name = Environment.ProcessorCount + " cores";
        try
        {
            var model = File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo")
                    .FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
                : null;
            if (model?.Split(':', 2) is [_, var value])
                name = $"{value.Trim()}, {Environment.ProcessorCount} cores";
        }
        catch (IOException)
        {
            // The processor model is only informative.
        }
        return new DeviceInfo("cpu", requested, name, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
    }
}
