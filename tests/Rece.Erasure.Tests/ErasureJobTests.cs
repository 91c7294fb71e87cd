using Rece.Models.Diffusers;
using Rece.Models.Safetensors;
using Rece.Models.UNet;

namespace Rece.Erasure.Tests;

[Collection(TinyModelCollection.Name)]
public class ErasureJobTests(TinyModels models)
{
    private ErasureRequest Request(string model, string output, params string[] concepts) =>
        new()
        {
            ModelDirectory = model,
            OutputDirectory = output,
            Concepts = concepts.Length == 0 ? new[] { "nudity" } : concepts,
            Preset = "nudity",
        };

    [Fact]
    public void EraseWritesACompleteEditedModelAndLeavesTheInputUntouched()
    {
        var before = TinyModels.HashTree(models.V1);
        string output = models.NewOutput();

        var report = ErasureJob.Run(Request(models.V1, output));

        Assert.Equal(before, TinyModels.HashTree(models.V1));
        var edited = DiffusersModel.Open(output);
        Assert.Equal(32, edited.EmbeddingDim);
        foreach (var relative in before.Keys.Where(k => !k.StartsWith("unet/diffusion_pytorch_model")))
            Assert.Equal(before[relative], TinyModels.HashTree(output)[relative]);
        Assert.True(File.Exists(Path.Combine(output, RecePatch.FileName)));
        Assert.True(File.Exists(Path.Combine(output, ErasureReport.FileName)));
        Assert.Equal(
            new[] { "original", "uce", "rece-epoch-1", "rece-epoch-2", "rece-epoch-3" },
            report.Stages.Select(s => s.Stage)
        );
        Assert.Equal(2, report.Outputs.UNetFiles.Count);
        Assert.Empty(Directory.EnumerateDirectories(models.Root, ".*"));
    }

    [Fact]
    public void OnlyTheKeyAndValueMatricesChangeAndTheyEqualTheOriginalTimesTheFactor()
    {
        string output = models.NewOutput();
        ErasureJob.Run(Request(models.V1, output));

        using var patch = RecePatch.Read(Path.Combine(output, RecePatch.FileName));
        foreach (
            var name in new[] { "diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors" }
        )
        {
            using var original = SafetensorsFile.Open(Path.Combine(models.V1, "unet", name));
            using var edited = SafetensorsFile.Open(Path.Combine(output, "unet", name));
            Assert.True(
                original.HeaderJson.Span.SequenceEqual(edited.HeaderJson.Span),
                "header (names, dtypes, offsets, metadata) unchanged"
            );
            Assert.Equal(original.Metadata, edited.Metadata);
            int changed = 0;
            foreach (var info in original.Tensors)
            {
                var before = original.ReadBytes(info);
                var after = edited.ReadBytes(edited[info.Name]);
                if (!UNetLayout.IsCrossAttentionKeyOrValue(info.Name))
                {
                    Assert.True(before.AsSpan().SequenceEqual(after), $"{name}: {info.Name} must be byte-identical");
                    continue;
                }
                changed++;
                Assert.False(before.AsSpan().SequenceEqual(after), $"{info.Name} should change");
                using var w0 = TorchTensors.ReadFloat32(original, info);
                using var w = TorchTensors.ReadFloat32(edited, edited[info.Name]);
                using var expected = w0.mm(patch.SharedFactor!);
                double tolerance = info.DType == TensorDType.F16 ? 2e-3 : 1e-6;
                Assert.True(
                    w.sub(expected).norm().item<float>() <= tolerance * expected.norm().item<float>() + 1e-6,
                    $"{name}: {info.Name}"
                );
            }
            Assert.Equal(12, changed);
        }
    }

    [Fact]
    public void ReceEndsWithAHigherRecoveredConceptResidualThanUceAlone()
    {
        var rece = ErasureJob.Run(Request(models.V1, models.NewOutput()) with { PatchOnly = true });
        var uce = ErasureJob.Run(Request(models.V1, models.NewOutput()) with { PatchOnly = true, Method = "uce" });

        Assert.Equal(new[] { "original", "uce" }, uce.Stages.Select(s => s.Stage));
        Assert.Equal(uce.Stages[1].RecoveredConceptResidual, rece.Stages[1].RecoveredConceptResidual, 12);
        Assert.True(
            rece.Stages[^1].RecoveredConceptResidual > uce.Stages[^1].RecoveredConceptResidual,
            $"RECE {rece.Stages[^1].RecoveredConceptResidual} vs UCE {uce.Stages[^1].RecoveredConceptResidual}"
        );
        Assert.True(rece.Stages[0].RecoveredConceptResidual < rece.Stages[1].RecoveredConceptResidual);
    }

    [Fact]
    public void ApplyPatchRebuildsTheSameBytes()
    {
        string erased = models.NewOutput();
        ErasureJob.Run(Request(models.V1, erased));
        string rebuilt = models.NewOutput();

        PatchJob.Apply(models.V1, Path.Combine(erased, RecePatch.FileName), rebuilt, force: false);

        var a = TinyModels.HashTree(erased);
        var b = TinyModels.HashTree(rebuilt);
        a.Remove(ErasureReport.FileName);
        b.Remove(ErasureReport.FileName);
        Assert.Equal(a, b);
    }

    [Fact]
    public void APatchForAnotherBaseModelIsRefused()
    {
        string erased = models.NewOutput();
        ErasureJob.Run(Request(models.V1, erased) with { PatchOnly = true });
        string output = models.NewOutput();

        var error = Assert.Throws<ErasureInputException>(() =>
            PatchJob.Apply(models.OtherV1, Path.Combine(erased, RecePatch.FileName), output, force: false)
        );
        Assert.Contains("another base model", error.Message);
        Assert.False(Directory.Exists(output));

        var otherDim = Assert.Throws<ErasureInputException>(() =>
            PatchJob.Apply(models.V2, Path.Combine(erased, RecePatch.FileName), output, force: false)
        );
        Assert.Contains("another base model", otherDim.Message);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void PatchOnlyWritesThePatchAndTheReport()
    {
        string output = models.NewOutput();
        var report = ErasureJob.Run(Request(models.V1, output) with { PatchOnly = true });
        Assert.Equal(
            new[] { RecePatch.FileName, ErasureReport.FileName },
            Directory.EnumerateFiles(output).Select(Path.GetFileName).Order()
        );
        Assert.True(report.Outputs.PatchOnly);
        using var patch = RecePatch.Read(Path.Combine(output, RecePatch.FileName));
        Assert.Equal(new long[] { 32, 32 }, patch.SharedFactor!.shape);
        Assert.Equal(12, patch.Targets.Count);
        Assert.Equal("unet/diffusion_pytorch_model.safetensors", Assert.Single(patch.Bases).File);
    }

    [Fact]
    public void StableDiffusionV2LayoutWorks()
    {
        string output = models.NewOutput();
        var report = ErasureJob.Run(
            Request(models.V2, output, "van gogh") with
            {
                Preset = "art",
                Preserve = new[] { "claude monet", "pablo picasso" },
            }
        );
        Assert.Equal("art", report.Inputs.Preset);
        Assert.Equal(new[] { "art" }, report.Inputs.Guides);
        Assert.Equal(0.001, report.Parameters!.Regularizer);
        Assert.Equal(3, report.Stages.Count);
        Assert.Equal(48, DiffusersModel.Open(output).EmbeddingDim);
    }

    [Fact]
    public void SeveralConceptsAreErasedJointly()
    {
        var report = ErasureJob.Run(
            Request(models.V1, models.NewOutput(), "nudity", "naked person") with
            {
                PatchOnly = true,
                Epochs = 1,
            }
        );
        Assert.Equal(new[] { "nudity", "naked person" }, report.Inputs.Concepts);
        Assert.True(report.Stages[^1].RecoveredConceptResidual > report.Stages[0].RecoveredConceptResidual);
    }

    [Fact]
    public void TheReportRecordsInputsParametersMeasuresTimingsAndHashes()
    {
        string output = models.NewOutput();
        ErasureJob.Run(Request(models.V1, output) with { Preserve = new[] { "a photo of a cat" }, Regularizer = 0.05 });
        var report = ErasureReport.Parse(File.ReadAllText(Path.Combine(output, ErasureReport.FileName)));

        Assert.Equal(Path.GetFullPath(models.V1), report.Inputs.Model);
        Assert.Equal(new[] { "a photo of a cat" }, report.Inputs.Preserve);
        Assert.Equal(0.05, report.Parameters!.Regularizer);
        Assert.Equal(0.5, report.Parameters.UceLambda);
        Assert.Equal(0.5, report.Parameters.UcePreserveScale);
        Assert.Equal(3, report.Parameters.Epochs);
        Assert.Equal(12, report.Model.EditedMatrices);
        Assert.All(report.Model.UNetFiles, f => Assert.Matches("^[0-9a-f]{64}$", f.KvSha256!));
        Assert.Matches("^[0-9a-f]{64}$", report.Outputs.Patch!.Sha256);
        Assert.Equal(RecePatch.FileSha256(Path.Combine(output, RecePatch.FileName)), report.Outputs.Patch!.Sha256);
        foreach (
            var stage in new[]
            {
                "encodeTexts",
                "readKvBackground",
                "gramBackground",
                "waitForGram",
                "erasureMath",
                "erasureMathWithGram",
                "writePatch",
                "total",
            }
        )
            Assert.True(report.Timings.ContainsKey(stage), stage);
        Assert.True(report.PeakResidentBytes > 0);
        Assert.All(report.Stages, s => Assert.InRange(s.PreservationDrift, 0, 1));
    }
}
