namespace Rece.Models.Devices;

/// <summary>A CUDA device as the driver describes it.</summary>
/// <param name="ComputeCapability">"7.5" for a T4, "8.0" for an A100, "9.0" for an H100/H200.</param>
/// <param name="DriverCudaVersion">The CUDA version the installed driver supports ("13.0"), not the toolkit libtorch
/// was built with.</param>
public sealed record CudaDeviceProperties(
    string Name,
    long TotalMemoryBytes,
    long? FreeMemoryBytes,
    string ComputeCapability,
    string? DriverCudaVersion
);
