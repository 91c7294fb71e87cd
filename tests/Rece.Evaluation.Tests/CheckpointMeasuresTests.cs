using Rece.Erasure;
using Rece.Evaluation.Measures;
using Rece.Models.Diffusers;

namespace Rece.Evaluation.Tests;

[Collection(TinyModelCollection.Name)]
public sealed class CheckpointMeasuresTests(TinyModels models)
{
    private static LoadedBaseModel Load(string directory) =>
        LoadedBaseModel.Load(DiffusersModel.Open(directory), new StageTimer());

    [Fact]
    public void A_patch_measures_as_the_erase_report_says()
    {
        var texts = MeasureTexts.FromErasureOutput(models.Erased);
        Assert.Equal(new[] { "nudity" }, texts.Concepts);
        Assert.Equal(new[] { "a portrait" }, texts.Preserve);
        Assert.Equal(0.1, texts.Regularizer);

        using var loaded = Load(models.Base);
        using var patch = RecePatch.Read(Path.Combine(models.Erased, RecePatch.FileName));
        var measured = CheckpointMeasures.Measure(loaded, patch, texts, "rece-epoch-3");
        var reported = models.Erasure.Stages[^1];
        Assert.Equal("rece-epoch-3", reported.Stage);
        // The patch stores P in float32; the report was measured on the float64 P.
        Assert.Equal(reported.RecoveredConceptResidual, measured.RecoveredConceptResidual, 4);
        Assert.Equal(reported.PreservationDrift, measured.PreservationDrift, 4);
        Assert.Equal(reported.RelativeWeightChange, measured.RelativeWeightChange, 4);
        Assert.True(measured.RecoveredConceptResidual > 0.01);

        var original = CheckpointMeasures.MeasureOriginal(loaded, texts);
        Assert.Equal(models.Erasure.Stages[0].RecoveredConceptResidual, original.RecoveredConceptResidual, 6);
        Assert.Equal(0, original.PreservationDrift, 12);
        Assert.Equal(0, original.RelativeWeightChange, 12);
    }

    [Fact]
    public void A_speed_patch_with_a_factor_per_matrix_measures_as_its_report_says()
    {
        string output = Path.Combine(models.Root, "speed-" + Guid.NewGuid().ToString("N")[..8]);
        var report = ErasureJob.Run(
            new ErasureRequest
            {
                ModelDirectory = models.Base,
                Concepts = ["nudity"],
                Preset = "speed-nudity",
                Preserve = ["a portrait"],
                OutputDirectory = output,
                PatchOnly = true,
            }
        );
        var texts = MeasureTexts.FromErasureOutput(output);
        using var loaded = Load(models.Base);
        using var patch = RecePatch.Read(Path.Combine(output, RecePatch.FileName));
        Assert.Null(patch.SharedFactor);

        var measured = CheckpointMeasures.Measure(loaded, patch, texts, "speed");
        var reported = report.Stages[^1];
        Assert.Equal("speed", reported.Stage);
        // Both are measured on the stored float32 factors.
        Assert.Equal(reported.RecoveredConceptResidual, measured.RecoveredConceptResidual, 9);
        Assert.Equal(reported.PreservationDrift, measured.PreservationDrift, 9);
        Assert.Equal(reported.RelativeWeightChange, measured.RelativeWeightChange, 9);
        Assert.True(measured.RelativeWeightChange > 0);
        Assert.Equal(
            CheckpointMeasures.MeasureOriginal(loaded, texts).RecoveredConceptResidual,
            report.Stages[0].RecoveredConceptResidual,
            6
        );
    }

    [Fact]
    public void Measures_from_three_gram_matrices_equal_the_shared_factor_models()
    {
        // A shared factor seen as a factor per matrix: EditedGrams must give SharedFactorModel's figures.
        using var loaded = Load(models.Base);
        using var patch = RecePatch.Read(Path.Combine(models.Erased, RecePatch.FileName));
        var texts = MeasureTexts.FromErasureOutput(models.Erased);
        var shared = CheckpointMeasures.Measure(loaded, patch, texts, "x");
        using var perMatrix = new RecePatch(
            patch.Targets.Select(t => new PatchFactor(patch.SharedFactor!, new[] { t })).ToList(),
            patch.Targets,
            patch.Bases,
            patch.Description
        );
        var split = CheckpointMeasures.Measure(loaded, perMatrix, texts, "x");
        // G0's products run in float32, each matrix's Gram matrix here in float64: equal to float32 rounding.
        Assert.Equal(shared.RecoveredConceptResidual, split.RecoveredConceptResidual, 6);
        Assert.Equal(shared.PreservationDrift, split.PreservationDrift, 6);
        Assert.Equal(shared.RelativeWeightChange, split.RelativeWeightChange, 6);
    }

    [Fact]
    public void A_patch_for_another_base_is_refused()
    {
        using var other = Load(models.OtherBase);
        using var patch = RecePatch.Read(Path.Combine(models.Erased, RecePatch.FileName));
        var error = Assert.Throws<EvaluationInputException>(() =>
            CheckpointMeasures.Measure(
                other,
                patch,
                new MeasureTexts(new[] { "nudity" }, Array.Empty<string>(), 0.1),
                "x"
            )
        );
        Assert.Contains("another base model", error.Message);
        Assert.Throws<EvaluationInputException>(() => MeasureTexts.FromErasureOutput(models.Base));
    }
}
