using Rece.Engine;
using Rece.Erasure;
using Rece.Models.Diffusers;
using static TorchSharp.torch;

namespace Rece.Training;

/// <summary>The patch a trained method leaves beside its edited model: the trained tensors, which `rece apply-patch`
/// puts back into the base model's weights file.</summary>
public static class TrainedPatches
{
    /// <summary>Writes the patch of <paramref name="trained"/>, tensors of <paramref name="weightsPath"/>.</summary>
    /// <param name="baseModel">How the description names the base model (default: its folder).</param>
    public static ReportFile Write(
        DiffusersModel model,
        string weightsPath,
        IReadOnlyDictionary<string, Tensor> trained,
        ErasureMethod method,
        string concept,
        string path,
        string? baseModel = null
    )
    {
        using var patch = TrainedWeightsPatch.Make(
            model,
            weightsPath,
            trained,
            new Dictionary<string, string>
            {
                ["rece.method"] = method.Name(),
                ["rece.concepts"] = System.Text.Json.JsonSerializer.Serialize(new[] { concept }),
                ["rece.base_model"] = baseModel ?? model.Root,
            }
        );
        patch.Write(path);
        return new ReportFile(Path.GetFileName(path), new FileInfo(path).Length, RecePatch.FileSha256(path));
    }
}
