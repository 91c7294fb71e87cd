using System.Security.Cryptography;
using Rece.Models;
using Rece.Models.Diffusers;
using Rece.Models.Safetensors;
using static TorchSharp.torch;

namespace Rece.Erasure;

/// <summary>
/// What a trained method changed (few-shot unlearning: the text encoder's MLPs and last self-attention; All but One:
/// U-Net cross-attention), as a patch like <see cref="RecePatch"/>: the trained tensors under their own names, in the
/// dtypes of the weights file they replace tensors of, so applying it rebuilds that file byte for byte. The base is
/// identified by the file's path in the model folder and the SHA-256 of the replaced tensors' original bytes.
/// </summary>
public sealed class TrainedWeightsPatch : IDisposable
{
    public const string Format = "rece-weights/1";

    /// <summary>The metadata that makes the patch; the rest describes it for people.</summary>
    private static readonly string[] Structure = ["rece.format", "rece.component", "rece.file", "rece.base_sha256"];

    public TrainedWeightsPatch(
        string component,
        string file,
        string baseSha256,
        IReadOnlyDictionary<string, Tensor> weights,
        IReadOnlyDictionary<string, string> description
    )
    {
        if (component is not (DiffusersModel.TextEncoderFolder or DiffusersModel.UNetFolder))
            throw new ArgumentException(
                $"A trained-weights patch changes the {DiffusersModel.TextEncoderFolder} or the {DiffusersModel.UNetFolder}, not {component}.",
                nameof(component)
            );
        if (weights.Count == 0)
            throw new ArgumentException("A trained-weights patch holds at least one tensor.", nameof(weights));
        Component = component;
        File = file;
        BaseSha256 = baseSha256;
        Weights = weights;
        Description = description;
    }

    /// <summary>"text_encoder" or "unet": the model component whose weights it replaces.</summary>
    public string Component { get; }

    /// <summary>The weights file it applies to, relative to the model folder with '/' separators.</summary>
    public string File { get; }

    /// <summary>SHA-256 of the original bytes of the replaced tensors, in name order.</summary>
    public string BaseSha256 { get; }

    /// <summary>The trained tensors by name, in the stored dtypes, on the CPU (owned by the patch).</summary>
    public IReadOnlyDictionary<string, Tensor> Weights { get; }

    public IReadOnlyDictionary<string, string> Description { get; }

    /// <summary>The patch of <paramref name="trained"/> (any device and dtype), tensors of the weights file
    /// <paramref name="weightsPath"/> of <paramref name="model"/>.</summary>
    public static TrainedWeightsPatch Make(
        DiffusersModel model,
        string weightsPath,
        IReadOnlyDictionary<string, Tensor> trained,
        IReadOnlyDictionary<string, string> description
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(trained);
        string relative = Path.GetRelativePath(model.Root, weightsPath).Replace(Path.DirectorySeparatorChar, '/');
        using var file = SafetensorsFile.Open(weightsPath);
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in trained)
        {
            if (!file.TryGet(name, out var info))
                throw new ArgumentException($"{weightsPath} has no tensor {name}.", nameof(trained));
            using var noGrad = no_grad();
            weights[name] = tensor.detach().to(TorchTensors.ToScalarType(info.DType), CPU).DetachFromDisposeScope();
        }
        return new TrainedWeightsPatch(
            relative.Split('/')[0],
            relative,
            BaseSha256Of(file, weights.Keys),
            weights,
            description
        );
    }

    /// <summary>SHA-256 of the named tensors' bytes as <paramref name="file"/> stores them, in ordinal name
    /// order.</summary>
    public static string BaseSha256Of(SafetensorsFile file, IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(file);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var name in names.Order(StringComparer.Ordinal))
            hash.AppendData(file.ReadBytes(file[name]));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// The weights file of <paramref name="model"/> the patch applies to, after checking that its replaced tensors
    /// hold the values the patch was made from.
    /// </summary>
    /// <exception cref="ErasureInputException">The patch was made for another base model.</exception>
    public string Locate(DiffusersModel model, string what)
    {
        ArgumentNullException.ThrowIfNull(model);
        string path = Path.Combine(model.Root, File.Replace('/', Path.DirectorySeparatorChar));
        if (!System.IO.File.Exists(path))
            throw new ErasureInputException(
                $"{what} applies to {File}, which {model.Root} does not have: it was made for another base model."
            );
        using var file = SafetensorsFile.Open(path);
        foreach (var (name, tensor) in Weights)
        {
            if (!file.TryGet(name, out var info) || !info.Shape.SequenceEqual(tensor.shape))
                throw new ErasureInputException(
                    $"{what} replaces {name}, which {File} of {model.Root} {(info is null ? "does not hold" : $"holds as {TensorShape.Format(info.Shape)}")}: it was made for another base model."
                );
        }
        string sha = BaseSha256Of(file, Weights.Keys);
        if (sha != BaseSha256)
            throw new ErasureInputException(
                $"{what} was made for another base model: the tensors it replaces in {File} have SHA-256 {sha}, the patch expects {BaseSha256}."
            );
        return path;
    }

    public void Write(string path)
    {
        var metadata = new Dictionary<string, string>(Description)
        {
            ["rece.format"] = Format,
            ["rece.component"] = Component,
            ["rece.file"] = File,
            ["rece.base_sha256"] = BaseSha256,
        };
        SafetensorsWriter.Write(
            path,
            Weights
                .OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => TorchTensors.ToWrite(kv.Key, kv.Value))
                .ToArray(),
            metadata
        );
    }

    /// <summary>Whether <paramref name="path"/> holds a trained-weights patch (rather than a K/V factor
    /// patch).</summary>
    public static bool IsOne(string path)
    {
        if (!System.IO.File.Exists(path))
            throw new ErasureInputException($"Patch file {path} does not exist.");
        using var file = SafetensorsFile.Open(path);
        return file.Metadata.GetValueOrDefault("rece.format") == Format;
    }

    public static TrainedWeightsPatch Read(string path)
    {
        if (!System.IO.File.Exists(path))
            throw new ErasureInputException($"Patch file {path} does not exist.");
        using var file = SafetensorsFile.Open(path);
        if (file.Metadata.GetValueOrDefault("rece.format") != Format)
            throw new ModelFormatException($"{path} is not a trained-weights patch (rece.format = {Format}).");
        string Field(string key) =>
            file.Metadata.GetValueOrDefault(key)
            ?? throw new ModelFormatException($"{path}: the patch metadata lacks {key}; the file is damaged.");
        string component = Field("rece.component");
        string relative = Field("rece.file");
        string sha = Field("rece.base_sha256");
        if (relative.Split('/') is var parts && (parts[0] != component || parts.Any(p => p is "" or "." or "..")))
            throw new ModelFormatException($"{path}: rece.file \"{relative}\" is not a file of the {component}.");
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var info in file.Tensors)
                weights[info.Name] = TorchTensors.Read(file, info).DetachFromDisposeScope();
            var description = file
                .Metadata.Where(kv => !Structure.Contains(kv.Key))
                .ToDictionary(kv => kv.Key, kv => kv.Value);
            return new TrainedWeightsPatch(component, relative, sha, weights, description);
        }
        catch (ArgumentException e)
        {
            foreach (var w in weights.Values)
                w.Dispose();
            throw new ModelFormatException($"{path}: {e.Message}");
        }
        catch
        {
            foreach (var w in weights.Values)
                w.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var w in Weights.Values)
            w.Dispose();
    }
}
