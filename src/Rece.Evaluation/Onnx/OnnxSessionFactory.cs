using Microsoft.ML.OnnxRuntime;
using Rece.Models.Devices;

namespace Rece.Evaluation.Onnx;

/// <summary>
/// Opens ONNX models (NudeNet, and any metric model on ONNX Runtime) on the compute device: the CUDA execution provider
/// when the device is a CUDA device and this build carries it (the CUDA build references Microsoft.ML.OnnxRuntime.Gpu.Linux),
/// else the CPU provider. The provider a session got is reported, so a report shows where the detector ran.
/// </summary>
public static class OnnxSessionFactory
{
    public const string CudaProvider = "CUDAExecutionProvider";
    public const string CpuProvider = "CPUExecutionProvider";

    /// <summary>Whether this process's ONNX Runtime has the CUDA execution provider.</summary>
    public static bool CudaProviderAvailable => OrtEnv.Instance().GetAvailableProviders().Contains(CudaProvider);

    /// <returns>The session and the execution provider it runs on.</returns>
    /// <exception cref="OnnxRuntimeException">The file is not a model ONNX Runtime can load.</exception>
    public static (InferenceSession Session, string Provider) Open(string path, ComputeDevice? device)
    {
        var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        try
        {
            string provider = CpuProvider;
            if (device?.IsCuda == true && CudaProviderAvailable)
            {
                options.AppendExecutionProvider_CUDA(device.Torch.index);
                provider = CudaProvider;
            }
            return (new InferenceSession(path, options), provider);
        }
        finally
        {
            options.Dispose();
        }
    }
}
