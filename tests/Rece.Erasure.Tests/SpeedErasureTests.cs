using Rece.Engine;
using Rece.Models.Diffusers;
using Rece.Models.Safetensors;
using Rece.Models.UNet;
using static TorchSharp.torch;

namespace Rece.Erasure.Tests;

/// <summary>`rece erase --method speed` end to end on the tiny fixture.</summary>
[Collection(TinyModelCollection.Name)]
public sealed class SpeedErasureTests(TinyModels models)
{
    private ErasureRequest Request(string output) =>
        new()
        {
            ModelDirectory = models.V1,
            OutputDirectory = output,
            Concepts = ["cat"],
            Method = "speed",
            Preserve = ["a dog", "a tree"],
        };

    [Fact]
    public void OnlyTheValueMatricesChangeEachByItsOwnFactor()
    {
        var before = TinyModels.HashTree(models.V1);
        string output = models.NewOutput();

        var report = ErasureJob.Run(Request(output));

        Assert.Equal(before, TinyModels.HashTree(models.V1));
        Assert.Equal(new[] { "original", "speed" }, report.Stages.Select(s => s.Stage));
        Assert.True(report.Stages[1].RecoveredConceptResidual > report.Stages[0].RecoveredConceptResidual);
        Assert.True(report.Stages[1].RelativeWeightChange > 0);
        Assert.Equal(ErasureMethod.Speed, report.Parameters!.Method);
        Assert.NotNull(report.Parameters.Speed);

        string patchPath = Path.Combine(output, RecePatch.FileName);
        using (var file = SafetensorsFile.Open(patchPath))
            Assert.Equal(RecePatch.PerMatrixFormat, file.Metadata["rece.format"]);
        using var patch = RecePatch.Read(patchPath);
        Assert.Null(patch.SharedFactor);
        Assert.Equal(6, patch.Factors.Count);
        Assert.All(patch.Factors, f => Assert.EndsWith(UNetLayout.ValueSuffix, Assert.Single(f.Targets)));
        foreach (
            var name in new[] { "diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors" }
        )
        {
            using var original = SafetensorsFile.Open(Path.Combine(models.V1, "unet", name));
            using var edited = SafetensorsFile.Open(Path.Combine(output, "unet", name));
            int changed = 0;
            foreach (var info in original.Tensors)
            {
                var beforeBytes = original.ReadBytes(info);
                var afterBytes = edited.ReadBytes(edited[info.Name]);
                if (patch.FactorFor(info.Name) is not { } factor)
                {
                    Assert.True(beforeBytes.AsSpan().SequenceEqual(afterBytes), $"{name}: {info.Name} must not change");
                    continue;
                }
                changed++;
                using var w0 = TorchTensors.ReadFloat32(original, info);
                using var w = TorchTensors.ReadFloat32(edited, edited[info.Name]);
                using var expected = w0.mm(factor);
                double tolerance = info.DType == TensorDType.F16 ? 2e-3 : 1e-6;
                Assert.True(
                    w.sub(expected).norm().item<float>() <= tolerance * expected.norm().item<float>() + 1e-6,
                    $"{name}: {info.Name}"
                );
            }
            Assert.Equal(6, changed);
        }
        // Each matrix has its own factor: the augmentation depends on its weights.
        Assert.False(patch.Factors[0].Factor.allclose(patch.Factors[1].Factor));
    }

    [Fact]
    public void TheStartTokenAndThePreservedRowsKeepTheirOutputs()
    {
        string output = models.NewOutput();
        // Without the filter and the augmentation the retain set is exactly the two texts' last word rows.
        ErasureJob.Run(Request(output) with { PatchOnly = true, PriorFilter = "off", Augmentations = 0 });
        using var patch = RecePatch.Read(Path.Combine(output, RecePatch.FileName));
        using var loaded = LoadedBaseModel.Load(DiffusersModel.Open(models.V1), new StageTimer());
        using var scope = NewDisposeScope();
        var texts = TextEmbeddings.Encode(loaded.Tokenizer, loaded.Encoder, new[] { "", "a dog", "a tree", "cat" });
        var start = texts[""].Embedding.narrow(0, 0, 1).to(ScalarType.Float64);
        var dog = texts["a dog"].Embedding.narrow(0, texts["a dog"].WordCount, 1).to(ScalarType.Float64);
        var tree = texts["a tree"].Embedding.narrow(0, texts["a tree"].WordCount, 1).to(ScalarType.Float64);
        var cat = texts["cat"].Embedding.narrow(0, texts["cat"].WordCount, 1).to(ScalarType.Float64);
        var anchor = texts[""].Embedding.narrow(0, 0, 1).to(ScalarType.Float64);
        loaded.WaitForWeights();
        for (int i = 0; i < loaded.Kv.Infos.Count; i++)
        {
            if (patch.FactorFor(loaded.Kv.Infos[i].Name) is not { } factor)
                continue;
            var w0 = loaded.Kv.Tensors[i].to(ScalarType.Float64);
            var w = w0.mm(factor.to(ScalarType.Float64));
            double Moved(Tensor row) =>
                w.mm(row.t()).sub(w0.mm(row.t())).norm().item<double>() / w0.mm(row.t()).norm().item<double>();
            Assert.True(Moved(start) < 1e-5, $"start token moved {Moved(start)}");
            Assert.True(Moved(dog) < 1e-5, $"'a dog' moved {Moved(dog)}");
            Assert.True(Moved(tree) < 1e-5, $"'a tree' moved {Moved(tree)}");
            // The concept's output moves toward its anchor's.
            double before = w0.mm(cat.t()).sub(w0.mm(anchor.t())).norm().item<double>();
            double after = w.mm(cat.t()).sub(w0.mm(anchor.t())).norm().item<double>();
            Assert.True(after < before, $"{loaded.Kv.Infos[i].Name}: {after} vs {before}");
        }
    }

    [Fact]
    public void ApplyPatchRebuildsTheSameBytesAndTheSameSeedGivesTheSamePatch()
    {
        string erased = models.NewOutput();
        ErasureJob.Run(Request(erased));
        string again = models.NewOutput();
        ErasureJob.Run(Request(again) with { PatchOnly = true });
        using (var first = RecePatch.Read(Path.Combine(erased, RecePatch.FileName)))
        using (var second = RecePatch.Read(Path.Combine(again, RecePatch.FileName)))
        {
            Assert.Equal(first.Factors.Select(f => f.Targets[0]), second.Factors.Select(f => f.Targets[0]));
            for (int i = 0; i < first.Factors.Count; i++)
                Assert.Equal(
                    TorchTensors.ToBytes(first.Factors[i].Factor),
                    TorchTensors.ToBytes(second.Factors[i].Factor)
                );
        }

        string rebuilt = models.NewOutput();
        PatchJob.Apply(models.V1, Path.Combine(erased, RecePatch.FileName), rebuilt, force: false);
        var a = TinyModels.HashTree(erased);
        var b = TinyModels.HashTree(rebuilt);
        a.Remove(ErasureReport.FileName);
        b.Remove(ErasureReport.FileName);
        Assert.Equal(a, b);
    }

    [Fact]
    public void KeysAndValuesAreEditedWithProjectionsKv()
    {
        string output = models.NewOutput();
        ErasureJob.Run(Request(output) with { PatchOnly = true, Projections = "kv" });
        using var patch = RecePatch.Read(Path.Combine(output, RecePatch.FileName));
        Assert.Equal(12, patch.Factors.Count);
        Assert.Equal(
            6,
            patch.Factors.Count(f => f.Targets[0].EndsWith(UNetLayout.KeySuffix, StringComparison.Ordinal))
        );
    }

    [Theory]
    [InlineData("[[\"b\"]]", "damaged")]
    [InlineData("[[\"a\"], [\"a\"]]", "no tensor named rece.factor.1")]
    [InlineData("not json", "damaged")]
    public void ADamagedPerMatrixPatchIsRefused(string factorTargets, string message)
    {
        string folder = models.NewOutput();
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, RecePatch.FileName);
        using var factor = eye(32, dtype: ScalarType.Float32);
        SafetensorsWriter.Write(
            path,
            new[] { TorchTensors.ToWrite("rece.factor.0", factor) },
            new Dictionary<string, string>
            {
                ["rece.format"] = RecePatch.PerMatrixFormat,
                ["rece.targets"] = "[\"a\"]",
                ["rece.bases"] = "[]",
                ["rece.factor_targets"] = factorTargets,
            }
        );
        var error = Assert.Throws<Rece.Models.ModelFormatException>(() => RecePatch.Read(path));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
