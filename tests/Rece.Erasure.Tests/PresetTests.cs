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

    [Fact]
    public void SpeedPresetsCarryItsScriptsSettings()
    {
        var nudity = Resolve("speed-nudity");
        Assert.Equal(new[] { "nudity" }, nudity.Concepts);
        Assert.Equal("", nudity.Guides[0]);
        Assert.Equal(ErasureMethod.Speed, nudity.Parameters.Method);
        Assert.Equal(0, nudity.Parameters.EffectiveEpochs);
        var speed = nudity.Speed!;
        Assert.Equal(
            (0.7, 0.5, 0.1, 10, true, true, "v"),
            (
                speed.Parameters.RetainScale,
                speed.Parameters.InvarianceLambda,
                speed.Parameters.Threshold,
                speed.Parameters.Augmentations,
                speed.Parameters.PriorFilter,
                speed.AllTokens,
                speed.Projections
            )
        );

        var celebrity = Resolve("speed-celebrity", "Angelina Jolie", "Brad Pitt");
        Assert.Equal("person", celebrity.Guides[1]);
        Assert.Equal(
            (1e-4, 0.05, 0.0, false, false),
            (
                celebrity.Speed!.Parameters.Threshold,
                celebrity.Speed.Parameters.RetainScale,
                celebrity.Speed.Parameters.InvarianceLambda,
                celebrity.Speed.Parameters.PriorFilter,
                celebrity.Speed.AllTokens
            )
        );

        var style = Resolve("speed-style", "Van Gogh");
        Assert.Equal("art", style.Guides[0]);
        Assert.Equal(1733, style.Preserve.Count);
        Assert.Null(Resolve("nudity", "nudity").Speed);
    }

    [Fact]
    public void MethodSpeedWithoutAPresetUsesSpeedsDefaultsAndTheRequestOverridesThePreset()
    {
        var plain = ResolvedErasure.From(
            new ErasureRequest
            {
                ModelDirectory = "unused",
                OutputDirectory = "unused-out",
                Concepts = ["Snoopy"],
                Method = "speed",
            }
        );
        Assert.Equal("speed", plain.Preset.Name);
        Assert.Equal("", plain.Guides[0]);
        Assert.Equal(
            (1.0, 0.0, false),
            (plain.Speed!.Parameters.RetainScale, plain.Speed.Parameters.InvarianceLambda, plain.Speed.AllTokens)
        );

        var overridden = ResolvedErasure.From(
            new ErasureRequest
            {
                ModelDirectory = "unused",
                OutputDirectory = "unused-out",
                Preset = "speed-nudity",
                Concepts = ["nudity"],
                RetainScale = 0.3,
                Tokens = "last-word",
                Projections = "kv",
                Augmentations = 0,
            }
        );
        Assert.Equal(
            (0.3, 0.5, false, "kv", 0),
            (
                overridden.Speed!.Parameters.RetainScale,
                overridden.Speed.Parameters.InvarianceLambda,
                overridden.Speed.AllTokens,
                overridden.Speed.Projections,
                overridden.Speed.Parameters.Augmentations
            )
        );
        // The single concept "nudity" switches to every token, as SPEED's code does; others keep the last word.
        Assert.True(SpeedSettings.From(new EraseSettings(), ["nudity"]).AllTokens);
        Assert.False(SpeedSettings.From(new EraseSettings(), ["nudity", "blood"]).AllTokens);
    }

    [Fact]
    public void SpeedDropsPreserveTextsNamingAConceptAsAWholeWord()
    {
        var resolved = ResolvedErasure.From(
            new ErasureRequest
            {
                ModelDirectory = "unused",
                OutputDirectory = "unused-out",
                Concepts = ["Van Gogh"],
                Method = "speed",
                Preserve = ["a painting by van gogh", "Van Goghs", "Claude Monet", "Van Gogh"],
            }
        );
        Assert.Equal(new[] { "Van Goghs", "Claude Monet" }, resolved.Preserve);
    }

    [Theory]
    [InlineData("speed", 2, "--epochs applies to --method rece; speed is a single closed-form edit.")]
    [InlineData("uce", 1, "--epochs applies to --method rece; uce is a single closed-form edit.")]
    public void EpochsWithASingleEditMethodAreRefused(string method, int epochs, string message)
    {
        var error = Assert.Throws<ErasureInputException>(() =>
            ResolvedErasure.From(
                new ErasureRequest
                {
                    ModelDirectory = "unused",
                    OutputDirectory = "unused-out",
                    Concepts = ["cat"],
                    Method = method,
                    Epochs = epochs,
                }
            )
        );
        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData("Method", "esd", "--method must be one of rece, uce, speed")]
    [InlineData("Projections", "q", "--projections must be one of v, k, kv")]
    [InlineData("PriorFilter", "maybe", "--prior-filter must be one of on, off")]
    public void UnknownChoicesAreRefusedWithTheChoices(string property, string value, string message)
    {
        var request = EraseSetting
            .All.Single(s => s.Option == "--" + KebabCase(property))
            .WithName(
                new ErasureRequest
                {
                    ModelDirectory = "unused",
                    OutputDirectory = "unused-out",
                    Concepts = ["cat"],
                },
                value
            );
        var error = Assert.Throws<ErasureInputException>(() => ResolvedErasure.From(request));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OutOfRangeSpeedNumbersAreRefused()
    {
        var error = Assert.Throws<ErasureInputException>(() =>
            ResolvedErasure.From(
                new ErasureRequest
                {
                    ModelDirectory = "unused",
                    OutputDirectory = "unused-out",
                    Concepts = ["cat"],
                    Method = "speed",
                    Augmentations = 5000,
                }
            )
        );
        Assert.Contains(
            "--augmentations must be a whole number within 0..1000",
            error.Message,
            StringComparison.Ordinal
        );
        error = Assert.Throws<ErasureInputException>(() =>
            ResolvedErasure.From(
                new ErasureRequest
                {
                    ModelDirectory = "unused",
                    OutputDirectory = "unused-out",
                    Concepts = ["cat"],
                    Method = "speed",
                    RetainScale = 0,
                }
            )
        );
        Assert.Contains("--retain-scale must be a positive number", error.Message, StringComparison.Ordinal);
    }

    private static string KebabCase(string name) =>
        string.Concat(
            name.Select(
                (c, i) =>
                    char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()
            )
        );
}
