using Rece.Models.Configuration;

namespace Rece.Models.Schedulers;

/// <summary>
/// scheduler/scheduler_config.json: the training noise schedule and the sampling options every scheduler kind reads. As
/// in diffusers, one config serves any scheduler kind (LMSDiscreteScheduler.from_config(pndm.config)); fields a kind
/// does not use are ignored, and settings that would change the numbers in ways this tool does not implement are
/// refused.
/// </summary>
public sealed record SchedulerConfig
{
    public string ClassName { get; init; } = "PNDMScheduler";
    public int NumTrainTimesteps { get; init; } = 1000;
    public double BetaStart { get; init; } = 0.00085;
    public double BetaEnd { get; init; } = 0.012;

    /// <summary>"scaled_linear" (SD), "linear" or "squaredcos_cap_v2".</summary>
    public string BetaSchedule { get; init; } = "scaled_linear";

    public double[]? TrainedBetas { get; init; }

    /// <summary>"epsilon" (SD v1.x, SD 2.x base) or "v_prediction" (SD 2.x 768).</summary>
    public string PredictionType { get; init; } = "epsilon";

    public int StepsOffset { get; init; } = 1;

    /// <summary>"linspace", "leading" or "trailing"; null: each kind's diffusers default (LMS and Euler linspace, DDIM
    /// and PNDM leading).</summary>
    public string? TimestepSpacing { get; init; }

    public bool SetAlphaToOne { get; init; }
    public bool SkipPrkSteps { get; init; } = true;
    public bool ClipSample { get; init; }
    public double ClipSampleRange { get; init; } = 1.0;

    /// <summary>Stable Diffusion v1.x's scheduler (CompVis/stable-diffusion-v1-4,
    /// scheduler/scheduler_config.json).</summary>
    public static SchedulerConfig StableDiffusion => new();

    /// <summary>The kind the config's _class_name names, when it is one of the four.</summary>
    public SchedulerKind? Kind =>
        ClassName switch
        {
            "LMSDiscreteScheduler" => SchedulerKind.Lms,
            "DDIMScheduler" => SchedulerKind.Ddim,
            "EulerDiscreteScheduler" => SchedulerKind.Euler,
            "PNDMScheduler" => SchedulerKind.Pndm,
            _ => null,
        };

    /// <summary>
    /// The config as diffusers' StableDiffusionPipeline runs it: an old file's steps_offset other than 1 is taken as 1,
    /// and clip_sample true as false (diffusers overrides both in the pipeline, with a deprecation warning, so such
    /// files give diffusers' images only with the same overrides). Each override is described to
    /// <paramref name="warn"/>.
    /// </summary>
    public SchedulerConfig ForStableDiffusion(Action<string>? warn = null)
    {
        var config = this;
        if (StepsOffset != 1)
        {
            warn?.Invoke(
                $"scheduler/scheduler_config.json is outdated: steps_offset is {StepsOffset}; Stable Diffusion uses 1 (as diffusers does). Set \"steps_offset\": 1 in the file."
            );
            config = config with { StepsOffset = 1 };
        }
        if (ClipSample)
        {
            warn?.Invoke(
                "scheduler/scheduler_config.json is outdated: clip_sample is true (or unset for DDIM); Stable Diffusion uses false (as diffusers does). Set \"clip_sample\": false in the file."
            );
            config = config with { ClipSample = false };
        }
        return config;
    }

    public static SchedulerConfig Load(string path)
    {
        var json = JsonConfig.Load(path);
        string className = json.String("_class_name", "PNDMScheduler");
        var config = new SchedulerConfig
        {
            ClassName = className,
            NumTrainTimesteps = json.Int("num_train_timesteps", 1000),
            BetaStart = json.Double("beta_start", 0.0001),
            BetaEnd = json.Double("beta_end", 0.02),
            BetaSchedule = json.String("beta_schedule", "linear"),
            TrainedBetas = json.Has("trained_betas")
                ? json.Root["trained_betas"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray()
                : null,
            PredictionType = json.String("prediction_type", "epsilon"),
            StepsOffset = json.Int("steps_offset", 0),
            TimestepSpacing = json.OptionalString("timestep_spacing"),
            // Absent fields take the defaults of the class the file names, as diffusers reads them.
            SetAlphaToOne = json.Bool("set_alpha_to_one", className == "DDIMScheduler"),
            SkipPrkSteps = json.Bool("skip_prk_steps", false),
            ClipSample = json.Bool("clip_sample", className == "DDIMScheduler"),
            ClipSampleRange = json.Double("clip_sample_range", 1.0),
        };
        foreach (
            var field in new[]
            {
                "use_karras_sigmas",
                "use_exponential_sigmas",
                "use_beta_sigmas",
                "thresholding",
                "rescale_betas_zero_snr",
            }
        )
        {
            if (json.Has(field) && json.Bool(field))
                throw new ModelFormatException(
                    $"{path}: {field} is true, which this tool does not implement; set it to false (Stable Diffusion's own configs do)."
                );
        }
        if (json.Has("interpolation_type") && json.String("interpolation_type") != "linear")
            throw new ModelFormatException(
                $"{path}: interpolation_type \"{json.String("interpolation_type")}\" is not supported; use \"linear\"."
            );
        if (json.Has("final_sigmas_type") && json.String("final_sigmas_type") != "zero")
            throw new ModelFormatException(
                $"{path}: final_sigmas_type \"{json.String("final_sigmas_type")}\" is not supported; use \"zero\"."
            );
        config.Validate(path);
        return config;
    }

    public void Validate(string source)
    {
        if (NumTrainTimesteps < 2)
            throw new ModelFormatException($"{source}: num_train_timesteps must be at least 2.");
        if (TrainedBetas is { } betas && betas.Length != NumTrainTimesteps)
            throw new ModelFormatException(
                $"{source}: trained_betas has {betas.Length} entries, but num_train_timesteps is {NumTrainTimesteps}."
            );
        if (TrainedBetas is null && BetaSchedule is not ("scaled_linear" or "linear" or "squaredcos_cap_v2"))
            throw new ModelFormatException(
                $"{source}: beta_schedule \"{BetaSchedule}\" is not supported; expected scaled_linear, linear or squaredcos_cap_v2."
            );
        if (PredictionType is not ("epsilon" or "v_prediction"))
            throw new ModelFormatException(
                $"{source}: prediction_type \"{PredictionType}\" is not supported; expected epsilon or v_prediction."
            );
        if (TimestepSpacing is not (null or "linspace" or "leading" or "trailing"))
            throw new ModelFormatException(
                $"{source}: timestep_spacing \"{TimestepSpacing}\" is not supported; expected linspace, leading or trailing."
            );
    }

    /// <summary>The config.json diffusers writes for Stable Diffusion's scheduler of this class.</summary>
    public System.Text.Json.Nodes.JsonObject ToJson() =>
        new()
        {
            ["_class_name"] = ClassName,
            ["_diffusers_version"] = "0.30.0",
            ["beta_end"] = BetaEnd,
            ["beta_schedule"] = BetaSchedule,
            ["beta_start"] = BetaStart,
            ["clip_sample"] = ClipSample,
            ["num_train_timesteps"] = NumTrainTimesteps,
            ["prediction_type"] = PredictionType,
            ["set_alpha_to_one"] = SetAlphaToOne,
            ["skip_prk_steps"] = SkipPrkSteps,
            ["steps_offset"] = StepsOffset,
            ["trained_betas"] = null,
        };
}
