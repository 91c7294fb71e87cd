using Microsoft.ML.OnnxRuntime;
using Rece.Models.Devices;

namespace Rece.Evaluation.Onnx;

/// <summary>
/// Opens ONNX models (NudeNet, and any metric model on ONNX Runtime) on the compute device: the CUDA execution provider
/// when the device is a CUDA device and this build carries it (the CUDA build references
/// Microsoft.ML.OnnxRuntime.Gpu.Linux),
/// else the CPU provider. The provider a session got is reported, so a report shows where the detector ran.
/// </summary>
public static class OnnxSessionFactory
{
    public const string CudaProvider = "CUDAExecutionProvider";
    public const string CpuProvider = "CPUExecutionProvider";

    /// <summary>Whether this process's ONNX Runtime has the CUDA execution provider.</summary>
    public static bool CudaProviderAvailable => OrtEnv.Instance().GetAvailableProviders().Contains(CudaProvider);

    /// <returns>The session and the execution provider it runs on ("CPUExecutionProvider (CUDA provider unavailable:
    /// ...)" when the CUDA provider was wanted but could not start, e.g. without the CUDA 13 and cuDNN 9 runtime
    /// libraries).</returns>
    /// <exception cref="OnnxRuntimeException">The file is not a model ONNX Runtime can load.</exception>
    public static (InferenceSession Session, string Provider) Open(string path, ComputeDevice? device)
    {
        string? cudaProblem = null;
        if (device?.IsCuda == true && CudaProviderAvailable)
        {
            using var cuda = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
            try
            {
                cuda.AppendExecutionProvider_CUDA(device.Torch.index);
                return (new InferenceSession(path, cuda), CudaProvider);
            }
            catch (OnnxRuntimeException e)
                when (File.Exists(path) && !e.Message.Contains("protobuf", StringComparison.OrdinalIgnoreCase))
            {
                // The provider's libraries are missing or the driver is too old: the detector still runs, on the CPU,
                // and says so.
                cudaProblem = e.Message.Split('\n')[0].Trim();
            }
        }
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        return (
            new InferenceSession(path, options),
            cudaProblem is null ? CpuProvider : $"{CpuProvider} (CUDA provider unavailable: {cudaProblem})"
        );
    }
}
