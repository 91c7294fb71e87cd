using System.Runtime.InteropServices;
using System.Text;

namespace Rece.Models.Devices;

/// <summary>
/// The few CUDA driver API calls that describe a device (name, memory, compute capability, driver version).
/// Hand-written because TorchSharp 0.107 exposes no device-properties API and the package mirror serves no CUDA
/// binding; libcuda.so.1 ships with every NVIDIA driver and numbers devices as libtorch does (CUDA_VISIBLE_DEVICES,
/// CUDA_DEVICE_ORDER).
/// </summary>
internal static partial class CudaDriver
{
    private const string Library = "libcuda.so.1";
    private const int ComputeCapabilityMajor = 75;
    private const int ComputeCapabilityMinor = 76;

    /// <summary>What the driver says of device <paramref name="ordinal"/>; null when the driver cannot be
    /// asked.</summary>
    public static CudaDeviceProperties? Describe(int ordinal)
    {
        try
        {
            if (cuInit(0) != 0 || cuDeviceGet(out int device, ordinal) != 0)
                return null;
            var name = new byte[256];
            string text =
                cuDeviceGetName(name, name.Length, device) == 0
                    ? Encoding.ASCII.GetString(name).TrimEnd('\0')
                    : "CUDA device";
            long total = cuDeviceTotalMem_v2(out nuint bytes, device) == 0 ? (long)bytes : 0;
            int major = cuDeviceGetAttribute(out int ma, ComputeCapabilityMajor, device) == 0 ? ma : 0;
            int minor = cuDeviceGetAttribute(out int mi, ComputeCapabilityMinor, device) == 0 ? mi : 0;
            int driver = cuDriverGetVersion(out int version) == 0 ? version : 0;
            return new CudaDeviceProperties(
                text,
                total,
                FreeMemory(device),
                $"{major}.{minor}",
                driver == 0 ? null : $"{driver / 1000}.{driver % 1000 / 10}"
            );
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Free memory through the device's primary context (the one libtorch uses), retained only for the
    /// call.</summary>
    private static long? FreeMemory(int device)
    {
        if (cuDevicePrimaryCtxRetain(out nint context, device) != 0)
            return null;
        try
        {
            if (cuCtxPushCurrent_v2(context) != 0)
                return null;
            try
            {
                return cuMemGetInfo_v2(out nuint free, out _) == 0 ? (long)free : null;
            }
            finally
            {
                cuCtxPopCurrent_v2(out _);
            }
        }
        finally
        {
            // Nothing to do if the release fails: the query already has its answer.
            _ = cuDevicePrimaryCtxRelease_v2(device);
        }
    }

    [LibraryImport(Library)]
    private static partial int cuInit(uint flags);

    [LibraryImport(Library)]
    private static partial int cuDriverGetVersion(out int version);

    [LibraryImport(Library)]
    private static partial int cuDeviceGet(out int device, int ordinal);

    [LibraryImport(Library)]
    private static partial int cuDeviceGetName([Out] byte[] name, int length, int device);

    [LibraryImport(Library)]
    private static partial int cuDeviceTotalMem_v2(out nuint bytes, int device);

    [LibraryImport(Library)]
    private static partial int cuDeviceGetAttribute(out int value, int attribute, int device);

    [LibraryImport(Library)]
    private static partial int cuDevicePrimaryCtxRetain(out nint context, int device);

    [LibraryImport(Library)]
    private static partial int cuDevicePrimaryCtxRelease_v2(int device);

    [LibraryImport(Library)]
    private static partial int cuCtxPushCurrent_v2(nint context);

    [LibraryImport(Library)]
    private static partial int cuCtxPopCurrent_v2(out nint context);

    [LibraryImport(Library)]
    private static partial int cuMemGetInfo_v2(out nuint free, out nuint total);
}
