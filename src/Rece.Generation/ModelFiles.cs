using Rece.Models;
using Rece.Models.Diffusers;

namespace Rece.Generation;

/// <summary>
/// The files of a diffusers Stable Diffusion folder that image generation reads, located and checked before anything is
/// loaded: the U-Net, text encoder and tokenizer (via <see cref="DiffusersModel"/>), the VAE and the scheduler config.
/// </summary>
public sealed record ModelFiles(
    DiffusersModel Model,
    string UNetWeights,
    string VaeConfig,
    string VaeWeights,
    string SchedulerConfig
)
{
    private static readonly string[] VaeVariants = { "", ".fp16" };

    public string Root => Model.Root;

    public string UNetConfig => Model.UNetConfigPath;

    /// <summary>Every file whose bytes decide the images, by path relative to the model folder (the model hash covers
    /// these).</summary>
    public IReadOnlyList<string> All
    {
        get
        {
            var files = new List<string>
            {
                UNetConfig,
                UNetWeights,
                VaeConfig,
                VaeWeights,
                Model.TextEncoderConfigPath,
                Model.TextEncoderWeightsPath,
                SchedulerConfig,
            };
            foreach (
                var name in new[] { "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json" }
            )
            {
                string path = Path.Combine(Model.TokenizerDirectory, name);
                if (File.Exists(path))
                    files.Add(path);
            }
            return files;
        }
    }

    public static ModelFiles Locate(string directory)
    {
        var model = DiffusersModel.Open(directory);
        string vae = Path.Combine(model.Root, DiffusersModel.VaeFolder);
        if (!Directory.Exists(vae))
            throw new ModelFormatException(
                $"{model.Root} lacks the vae/ folder (the AutoencoderKL that turns latents into images); image generation needs it."
            );
        string vaeConfig = Path.Combine(vae, "config.json");
        if (!File.Exists(vaeConfig))
            throw new ModelFormatException($"Missing file {vaeConfig}.");
        string? vaeWeights = VaeVariants
            .Select(v => Path.Combine(vae, $"{DiffusersModel.VaeWeightsName}{v}.safetensors"))
            .FirstOrDefault(File.Exists);
        if (vaeWeights is null)
        {
            if (Directory.EnumerateFiles(vae, "*.bin").Any())
                throw new ModelFormatException(
                    $"{vae} has only pickle weights (diffusion_pytorch_model.bin), which this tool does not load (unpickling can run code). Convert the model to safetensors with diffusers (save_pretrained(..., safe_serialization=True))."
                );
            throw new ModelFormatException(
                $"{vae} has no {DiffusersModel.VaeWeightsName}.safetensors (nor an fp16 variant)."
            );
        }
        string scheduler = Path.Combine(model.Root, DiffusersModel.SchedulerFolder, DiffusersModel.SchedulerConfigFile);
        if (!File.Exists(scheduler))
            throw new ModelFormatException(
                $"{model.Root} lacks {DiffusersModel.SchedulerFolder}/{DiffusersModel.SchedulerConfigFile} (the noise schedule the model was trained with); image generation needs it."
            );
        return new ModelFiles(model, model.UNetWeights[0].Path, vaeConfig, vaeWeights, scheduler);
    }
}
