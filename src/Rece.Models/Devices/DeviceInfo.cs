namespace Rece.Models.Devices;

/// <summary>Which hardware did the work, as reports record it (rece-report.json, generation.json, evaluation reports,
/// GPU job results).</summary>
/// <param name="Device">The libtorch device: "cpu", "cuda:0".</param>
/// <param name="Requested">What was asked for: "auto", "cpu", "cuda", "cuda:1".</param>
/// <param name="Name">The processor or GPU model.</param>
/// <param name="MemoryBytes">The device's memory (system memory for the CPU).</param>
/// <param name="ComputeCapability">CUDA devices only.</param>
/// <param name="DriverCudaVersion">CUDA devices only: the CUDA version the driver supports.</param>
public sealed record DeviceInfo(
    string Device,
    string Requested,
    string Name,
    long? MemoryBytes,
    string? ComputeCapability = null,
    string? DriverCudaVersion = null
)
{
    /// <summary>"cuda:0 (NVIDIA H200, 139.8 GiB)".</summary>
    public override string ToString() =>
        MemoryBytes is long bytes ? $"{Device} ({Name}, {bytes / (double)(1L << 30):F1} GiB)" : $"{Device} ({Name})";
}
