using Rece.Engine;
using Rece.Erasure;
using Rece.Models.Diffusers;
using Rece.Models.Safetensors;
using static TorchSharp.torch;

namespace Rece.Training;

/// <summary>The patch a trained method leaves beside its edited model: the trained tensors, which `rece apply-patch`
/// puts back into the base model's weights file.</summary>
public static class TrainedPatches
{
    /// <summary>
    /// What `rece erase` leaves for a trained method in <paramref name="output"/>: the model with
    /// <paramref name="weightsPath"/> rewritten (<see cref="EditedModelWriter.WriteTrainedModel"/>) and the patch beside
    /// it.
    /// </summary>
    public static (ReportFile Weights, IReadOnlyList<EditedModelWriter.Skipped> NotCopied, ReportFile Patch) WriteModel(
        DiffusersModel model,
        string weightsPath,
        IReadOnlyDictionary<string, Tensor> trained,
        ErasureMethod method,
        string concept,
        OutputFolder output,
        StageTimer timings
    )
    {
        var (written, skipped) = EditedModelWriter.WriteTrainedModel(
            model,
            output.TemporaryPath,
            weightsPath,
            trained,
            timings
        );
        var patch = timings.Time("writePatch", () =>
            Write(model, weightsPath, trained, method, concept, output.PathOf(RecePatch.FileName))
        );
        return (written, skipped, patch);
    }

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

    /// <summary>Writes a pipeline part's patch and measures how far the trained tensors moved from the
    /// base's.</summary>
    internal static TrainedPart Part(
        DiffusersModel model,
        string weightsPath,
        IReadOnlyDictionary<string, Tensor> trained,
        ErasureMethod method,
        string concept,
        string patchPath,
        string baseModel,
        TrainingState state,
        TrainingState? resume
    )
    {
        try
        {
            Write(model, weightsPath, trained, method, concept, patchPath, baseModel);
            return new TrainedPart(
                state,
                state.Losses.Skip(resume?.Losses.Count ?? 0).ToList(),
                RelativeChange(weightsPath, trained)
            );
        }
        catch
        {
            state.Dispose();
            throw;
        }
    }

    /// <summary>||W - W0|| / ||W0|| over <paramref name="trained"/>, W0 read from <paramref name="weightsPath"/>
    /// (float64 sums).</summary>
    public static double RelativeChange(string weightsPath, IReadOnlyDictionary<string, Tensor> trained)
    {
        using var file = SafetensorsFile.Open(weightsPath);
        double change = 0,
            norm = 0;
        foreach (var (name, value) in trained)
        {
            using var scope = NewDisposeScope();
            var original = TorchTensors.ReadFloat32(file, file[name]).to(ScalarType.Float64);
            change += value.detach().to(ScalarType.Float64, CPU).sub(original).pow(2).sum().item<double>();
            norm += original.pow(2).sum().item<double>();
        }
        return norm > 0 ? Math.Sqrt(change / norm) : 0;
    }
}
