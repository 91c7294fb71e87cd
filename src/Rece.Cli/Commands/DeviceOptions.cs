using System.CommandLine;
using Microsoft.Extensions.Logging;
using Rece.Generation;
using Rece.Models.Devices;

namespace Rece.Cli.Commands;

/// <summary>The --device, --precision and --batch options of every command that computes tensors.</summary>
internal static class DeviceOptions
{
    public static Option<string> Device() =>
        new("--device")
        {
            Description =
                "Where tensors are computed: auto (the first CUDA device when libtorch reports one, else the CPU), cpu, cuda or cuda:N.",
            DefaultValueFactory = _ => ComputeDevice.Auto,
        };

    public static Option<string> Precision(string what) =>
        new("--precision")
        {
            Description =
                $"Compute dtype of {what}: auto (fp16 on CUDA, fp32 on the CPU), fp32, fp16 or bf16 (about 2x faster than fp32 on CPUs with AVX512-BF16; fp16 is very slow on CPUs).",
            DefaultValueFactory = _ => Precisions.Auto,
        };

    public static Option<int?> Batch() =>
        new("--batch")
        {
            Description =
                $"Images per U-Net pass (default: 1 on the CPU; on CUDA as many as fit the free memory, at most {GenerationBatch.MaxDefault}).",
        };

    /// <summary>Resolves --device (a user error, exit 2, when unavailable) and says on stderr which hardware will
    /// work.</summary>
    public static ComputeDevice Resolve(string? requested, ILogger log)
    {
        var device = ComputeDevice.Resolve(requested);
        log.ResolvedDevice(device);
        return device;
    }

    public static void AcceptPrecisions(Option<string> option) =>
        option.AcceptOnlyFromAmong(Precisions.Auto, "fp32", "fp16", "bf16");
}
