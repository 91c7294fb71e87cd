using System.Security.Cryptography;
using System.Text.Json;
using Rece.Models;
using Rece.Models.Safetensors;
using static TorchSharp.torch;

namespace Rece.Erasure;

/// <summary>
/// Everything an erasure changed, in a few MB: the shared d x d factor P (every K/V matrix becomes W0 P) and the
/// identity of the base K/V tensors it applies to. A safetensors file: the factor as tensor "rece.shared_factor" (F32),
/// the rest as metadata.
/// </summary>
public sealed class RecePatch : IDisposable
{
    public const string FileName = "rece-patch.safetensors";
    public const string FactorTensor = "rece.shared_factor";
    public const string Format = "rece-patch/1";

    public RecePatch(
        Tensor factor,
        IReadOnlyList<string> targets,
        IReadOnlyList<PatchBase> bases,
        IReadOnlyDictionary<string, string> description
    )
    {
        Factor = factor;
        Targets = targets;
        Bases = bases;
        Description = description;
    }

    /// <summary>P, float32, d x d.</summary>
    public Tensor Factor { get; }

    /// <summary>Names of the K/V tensors the factor multiplies, in layout order.</summary>
    public IReadOnlyList<string> Targets { get; }

    public IReadOnlyList<PatchBase> Bases { get; }

    /// <summary>Method, concepts and other facts for people reading the file.</summary>
    public IReadOnlyDictionary<string, string> Description { get; }

    public void Write(string path)
    {
        var metadata = new Dictionary<string, string>(Description)
        {
            ["rece.format"] = Format,
            ["rece.targets"] = JsonSerializer.Serialize(Targets),
            ["rece.bases"] = JsonSerializer.Serialize(Bases),
        };
        SafetensorsWriter.Write(path, new[] { TorchTensors.ToWrite(FactorTensor, Factor) }, metadata);
    }

    public static RecePatch Read(string path)
    {
        if (!System.IO.File.Exists(path))
            throw new ErasureInputException($"Patch file {path} does not exist.");
        using var file = SafetensorsFile.Open(path);
        if (!file.Metadata.TryGetValue("rece.format", out var format) || format != Format)
            throw new ModelFormatException($"{path} is not a RECE patch (its metadata lacks rece.format = {Format}).");
        var info = file[FactorTensor];
        if (info.DType != TensorDType.F32 || info.Shape.Length != 2 || info.Shape[0] != info.Shape[1])
            throw new ModelFormatException(
                $"{path}: {FactorTensor} must be a square F32 matrix, got {info.DType} {TensorShape.Format(info.Shape)}."
            );
        try
        {
            var targets = JsonSerializer.Deserialize<List<string>>(file.Metadata["rece.targets"])
                ?? throw new JsonException("null");
            var bases = JsonSerializer.Deserialize<List<PatchBase>>(file.Metadata["rece.bases"])
                ?? throw new JsonException("null");
            var description = file
                .Metadata.Where(kv => kv.Key is not ("rece.format" or "rece.targets" or "rece.bases"))
                .ToDictionary(kv => kv.Key, kv => kv.Value);
            return new RecePatch(TorchTensors.Read(file, info).DetachFromDisposeScope(), targets, bases, description);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException)
        {
            throw new ModelFormatException($"{path}: the patch metadata is damaged ({e.Message}).");
        }
    }

    public static string FileSha256(string path)
    {
        using var stream = System.IO.File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public void Dispose() => Factor.Dispose();
}
