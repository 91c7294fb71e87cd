using Rece.Generation;
using Rece.Models.Devices;
using Rece.Models.Schedulers;

namespace Rece.Evaluation.Running;

/// <summary>How the sampler makes an evaluation's images; a prompt row's own seed, guidance and size win over the
/// defaults.</summary>
/// <param name="Size">Every image at Size x Size; null: the row's sd_image_width/height when given, else the model's
/// native size.</param>
/// <param name="Device">Where the sampler computes; null: the CPU.</param>
/// <param name="Batch">Images per U-Net pass; null: the device's default (<see cref="GenerationBatch"/>).</param>
public sealed record SamplerSettings(
    int Steps = 50,
    SchedulerKind Scheduler = SchedulerKind.Lms,
    Precision Precision = Precision.Fp32,
    double DefaultGuidance = 7.5,
    ulong DefaultSeed = 0,
    int? Size = null,
    ComputeDevice? Device = null,
    int? Batch = null
)
{
    public void Validate()
    {
        if (Steps is < 1 or > 1000)
            throw new EvaluationInputException($"--steps must be between 1 and 1000, got {Steps}.");
        if (Size is < 8 or > 16384)
            throw new EvaluationInputException($"--size must be between 8 and 16384 pixels, got {Size}.");
        if (Batch is < 1)
            throw new EvaluationInputException($"--batch must be at least 1, got {Batch}.");
    }
}
