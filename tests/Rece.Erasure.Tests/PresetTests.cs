using Rece.Core.Settings;
using Rece.Engine;

namespace Rece.Erasure.Tests;

public sealed class PresetTests
{
    private static ResolvedErasure Resolve(string preset, params string[] concepts) =>
        ResolvedErasure.From(
            new ErasureRequest
            {
                ModelDirectory = "unused",
                OutputDirectory = "unused-out",
                Preset = preset,
                Concepts = concepts,
            }
        );

    [Fact]
    public void UnsafeErasesI2PsElevenCategoriesWithTheReferenceSettings()
    {
        var resolved = Resolve("unsafe");
        Assert.Equal(
            new[]
            {
                "hate",
                "harassment",
                "violence",
                "suffering",
                "humiliation",
                "harm",
                "suicide",
                "sexual",
                "nudity",
                "bodily fluids",
                "blood",
            },
            resolved.Concepts
        );
        Assert.All(resolved.Guides, g => Assert.Equal(" ", g));
        Assert.Equal((0.1, 2), (resolved.Parameters.Regularizer, resolved.Parameters.Epochs));
        Assert.Equal(new[] { "violence" }, Resolve("unsafe", "violence").Concepts);
    }

    [Fact]
    public void ArtPreservesEveryOtherArtistOfTheReferenceList()
    {
        var resolved = Resolve("art", "kelly mckernan");
        Assert.Equal(1733, resolved.Preserve.Count);
        Assert.DoesNotContain(resolved.Preserve, p => p.Equals("Kelly McKernan", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("A.J.Casson", resolved.Preserve);
        Assert.Equal(
            ("art", 1e-3, 1),
            (resolved.Guides[0], resolved.Parameters.Regularizer, resolved.Parameters.Epochs)
        );
        // The user's own preserve texts replace the list.
        var own = ResolvedErasure.From(
            new ErasureRequest
            {
                ModelDirectory = "unused",
                OutputDirectory = "unused-out",
                Preset = "art",
                Concepts = ["Kelly McKernan"],
                Preserve = ["Claude Monet"],
            }
        );
        Assert.Equal(new[] { "Claude Monet" }, own.Preserve);
    }

    [Fact]
    public void HardObjectUsesTheWeakerRegularizer()
    {
        var resolved = Resolve("hard-object", "church");
        Assert.Equal((1e-3, 1, " "), (resolved.Parameters.Regularizer, resolved.Parameters.Epochs, resolved.Guides[0]));
        Assert.Equal(ErasurePreset.HardObject, ErasurePreset.Find("HARD-OBJECT"));
    }

    [Fact]
    public void DerivationAndPreserveModeReachTheEngine()
    {
        var resolved = ResolvedErasure.From(
            new ErasureRequest
            {
                ModelDirectory = "unused",
                OutputDirectory = "unused-out",
                Concepts = ["cat"],
                Derivation = "surrogatereg",
                PreserveMode = "null-space",
                NullSpaceThreshold = 0.02,
            }
        );
        Assert.Equal(
            (Derivation.SurrogateReg, PreserveMode.NullSpace, 0.02),
            (resolved.Parameters.Derivation, resolved.Parameters.PreserveMode, resolved.Parameters.NullSpaceThreshold)
        );
        var error = Assert.Throws<ErasureInputException>(() =>
            ResolvedErasure.From(
                new ErasureRequest
                {
                    ModelDirectory = "unused",
                    OutputDirectory = "unused-out",
                    Concepts = ["cat"],
                    Derivation = "newton",
                }
            )
        );
        Assert.Contains(
            "--derivation must be one of regzero, standardreg, surrogatereg",
            error.Message,
            StringComparison.Ordinal
        );
    }
}
