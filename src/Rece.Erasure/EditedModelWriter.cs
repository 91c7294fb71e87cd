using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Rece.Engine;
using Rece.Models.Diffusers;
using Rece.Models.Safetensors;
using static TorchSharp.torch;

namespace Rece.Erasure;

/// <summary>
/// Writes an edited diffusers folder: every component except the U-Net weights hard-linked (copied across file
/// systems), each U-Net weights file rewritten with only the K/V matrices its patch edits replaced by W0 F. Used by
/// erase and by apply-patch, so both produce the same bytes.
/// </summary>
public static partial class EditedModelWriter
{
    /// <summary>Files left out of an edited model, with the reason (reported to the user).</summary>
    public sealed record Skipped(string File, string Reason);

    /// <param name="edits">The U-Net weights files to write, each with its original K/V matrices.</param>
    public static IReadOnlyList<WrittenWeights> WriteUNetWeights(
        DiffusersModel model,
        string destinationRoot,
        RecePatch patch,
        IReadOnlyList<(UNetWeightsFile File, KvMatrices Kv)> edits,
        ILogger? log = null
    )
    {
        var written = new List<WrittenWeights>();
        foreach (var (file, kv) in edits)
        {
            string relative = Path.GetRelativePath(model.Root, file.Path);
            var replacements = new Dictionary<string, ReadOnlyMemory<byte>>();
            var stored = new List<byte[]>(kv.Tensors.Count);
            for (int i = 0; i < kv.Tensors.Count; i++)
            {
                if (patch.FactorFor(kv.Infos[i].Name) is not { } factor)
                {
                    stored.Add(TorchTensors.ToBytes(kv.Tensors[i]));
                    continue;
                }
                using var edited = FactorApplication.Apply(kv.Tensors[i], factor);
                var bytes = TorchTensors.ToBytes(edited);
                replacements[kv.Infos[i].Name] = bytes;
                stored.Add(bytes);
            }
            log?.WritingWeights(relative, replacements.Count);
            string target = Path.Combine(destinationRoot, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using var source = SafetensorsFile.Open(file.Path);
            SafetensorsWriter.CopyWithReplacedTensors(source, target, replacements);
            written.Add(new WrittenWeights(relative, kv.DType.ToString(), KvMatrices.HashOf(stored)));
        }
        return written;
    }

    /// <summary>
    /// Links or copies every file of the model except the U-Net weights, which the caller writes. Weight files that
    /// would carry the unedited U-Net (pickle or single-file checkpoints, variants not edited) are left out and listed.
    /// </summary>
    public static IReadOnlyList<Skipped> CopyOtherFiles(
        DiffusersModel model,
        string destinationRoot,
        IReadOnlyCollection<UNetWeightsFile> edited
    )
    {
        var editedPaths = edited.Select(e => e.Path).ToHashSet(StringComparer.Ordinal);
        return Copy(model, destinationRoot, (path, relative, top) =>
        {
            if (editedPaths.Contains(path))
                return Written;
            if (top == DiffusersModel.UNetFolder && model.UNetWeights.Any(w => w.Path == path))
                return "a U-Net weights variant that was not edited (it would carry the concept)";
            if (model.IgnoredUNetFiles.Contains(path))
                return "pickle U-Net weights, not edited (they would carry the concept)";
            return null;
        });
    }

    /// <summary>
    /// Links or copies every file of the model except the text encoder weights, which the caller writes (a trained
    /// text encoder: few-shot unlearning); the U-Net is unchanged and linked. Other text encoder weight files and
    /// single-file checkpoints would carry the concept: they are left out and listed.
    /// </summary>
    public static IReadOnlyList<Skipped> CopyAllButTextEncoder(DiffusersModel model, string destinationRoot) =>
        Copy(model, destinationRoot, (path, relative, top) =>
        {
            if (path == model.TextEncoderWeightsPath)
                return Written;
            if (top == DiffusersModel.TextEncoderFolder && IsCheckpoint(relative))
                return "text encoder weights that were not trained (they would carry the concept)";
            return null;
        });

    /// <summary>
    /// The model a trained method made, in <paramref name="destinationRoot"/>: <paramref name="weightsPath"/> (the text
    /// encoder's weights, or the U-Net file that was trained) written with <paramref name="trained"/> as
    /// <see cref="WriteTrainedWeights"/> writes it, and every other file linked as the matching copy does
    /// (<see cref="CopyAllButTextEncoder"/> or <see cref="CopyOtherFiles"/>), each step timed.
    /// </summary>
    public static (ReportFile Weights, IReadOnlyList<Skipped> NotCopied) WriteTrainedModel(
        DiffusersModel model,
        string destinationRoot,
        string weightsPath,
        IReadOnlyDictionary<string, Tensor> trained,
        StageTimer timings
    )
    {
        bool textEncoder = weightsPath == model.TextEncoderWeightsPath;
        var written = timings.Time(textEncoder ? "writeTextEncoder" : "writeUNet", () =>
            WriteTrainedWeights(model, destinationRoot, weightsPath, trained)
        );
        var skipped = timings.Time("copyComponents", () =>
            textEncoder
                ? CopyAllButTextEncoder(model, destinationRoot)
                : CopyOtherFiles(model, destinationRoot, model.UNetWeights.Where(w => w.Path == weightsPath).ToList())
        );
        return (written, skipped);
    }

    /// <summary>The reason <see cref="Copy"/>'s classifier gives for a file the caller writes itself.</summary>
    private const string Written = "";

    /// <param name="leaveOut">For (path, relative path, top folder): null to link the file, <see cref="Written"/>
    /// when the caller writes it, else why it is left out.</param>
    private static List<Skipped> Copy(
        DiffusersModel model,
        string destinationRoot,
        Func<string, string, string, string?> leaveOut
    )
    {
        var skipped = new List<Skipped>();
        foreach (var path in Directory.EnumerateFiles(model.Root, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(model.Root, path);
            string top = relative.Split(Path.DirectorySeparatorChar)[0];
            if (top == ".cache" || relative is RecePatch.FileName or ErasureReport.FileName)
                continue;
            string? reason = leaveOut(path, relative, top);
            if (reason == Written)
                continue;
            if (reason is not null)
            {
                skipped.Add(new Skipped(relative, reason));
                continue;
            }
            if (!relative.Contains(Path.DirectorySeparatorChar) && IsCheckpoint(relative))
            {
                skipped.Add(new Skipped(relative, "a single-file checkpoint, not edited (it would carry the concept)"));
                continue;
            }
            string target = Path.Combine(destinationRoot, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            LinkOrCopy(path, target);
        }
        return skipped;
    }

    /// <summary>
    /// Writes the model's weights file <paramref name="weightsPath"/> (the text encoder's, or the U-Net's that was
    /// trained) with <paramref name="trained"/> (by name) in the file's own dtypes; every other tensor, the header order
    /// and the metadata stay byte-identical.
    /// </summary>
    public static ReportFile WriteTrainedWeights(
        DiffusersModel model,
        string destinationRoot,
        string weightsPath,
        IReadOnlyDictionary<string, Tensor> trained
    )
    {
        string relative = Path.GetRelativePath(model.Root, weightsPath);
        string target = Path.Combine(destinationRoot, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        using var source = SafetensorsFile.Open(weightsPath);
        var replacements = new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal);
        foreach (var (name, tensor) in trained)
        {
            using var stored = tensor.detach().to(TorchTensors.ToScalarType(source[name].DType)).cpu();
            replacements[name] = TorchTensors.ToBytes(stored);
        }
        SafetensorsWriter.CopyWithReplacedTensors(source, target, replacements);
        return new ReportFile(relative, new FileInfo(target).Length, RecePatch.FileSha256(target));
    }

    private static bool IsCheckpoint(string name) =>
        name.EndsWith(".ckpt", StringComparison.Ordinal)
        || name.EndsWith(".safetensors", StringComparison.Ordinal)
        || name.EndsWith(".bin", StringComparison.Ordinal);

    /// <summary>Hard link (the files are never written in place, so sharing them is safe); copy when linking is not
    /// possible.</summary>
    private static void LinkOrCopy(string source, string target)
    {
        // Hugging Face caches hold symlinks into a blob store: link the file itself, not a relative symlink that would
        // dangle.
        string real = File.ResolveLinkTarget(source, returnFinalTarget: true)?.FullName ?? source;
        if (OperatingSystem.IsLinux() && Link(real, target) == 0)
            return;
        File.Copy(real, target);
    }

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string existing, string created);
}
