using Rece.Core.Settings;

namespace Rece.Core.Tests;

public sealed class EraseSettingTests
{
    private sealed record Request : EraseSettings
    {
        public string Text { get; init; } = "";
    }

    [Fact]
    public void EverySettingHasADistinctFieldOptionAndADefault()
    {
        Assert.Equal(18, EraseSetting.All.Count);
        Assert.Equal(EraseSetting.All.Count, EraseSetting.All.Select(s => s.Name).Distinct().Count());
        Assert.Equal(EraseSetting.All.Count, EraseSetting.All.Select(s => s.Option).Distinct().Count());
        Assert.All(EraseSetting.All, s => Assert.StartsWith("--", s.Option, StringComparison.Ordinal));
        Assert.Equal(0.5, EraseSetting.Named("uceLambda").Default);
        Assert.Equal("preset", EraseSetting.Named("reg").DefaultText);
        Assert.Equal(
            new[]
            {
                "method",
                "reg",
                "epochs",
                "lambda",
                "preserveScale",
                "derivation",
                "preserveMode",
                "nullSpaceThreshold",
                "retainScale",
            },
            EraseSetting.Sweepables.Select(s => s.Name)
        );
        Assert.Equal(new[] { "regzero", "standardreg", "surrogatereg" }, EraseSetting.Named("derivation").Choices);
        Assert.Equal("regzero", EraseSetting.Named("derivation").DefaultText);
        // A stated default text wins over the fixed default: a preset may replace it.
        Assert.Equal(
            ("preset, else 0.1", 0.1),
            (EraseSetting.Named("nullSpaceThreshold").DefaultText, EraseSetting.Named("nullSpaceThreshold").Default)
        );
        Assert.Equal(10.0, EraseSetting.Named("augmentations").Default);
        Assert.True(EraseSetting.Named("augmentations").IsWholeNumber);
        Assert.False(EraseSetting.Named("augmentations").Accepts(2.5));
        Assert.False(EraseSetting.Named("augmentations").Accepts(1001));
        Assert.True(EraseSetting.Named("augmentations").Accepts(0));
    }

    [Fact]
    public void FillTakesOnlyTheUnsetSettingsFromTheFallback()
    {
        var request = new Request
        {
            Text = "kept",
            Lambda = 0.2,
            Method = "uce",
        };
        var preset = new EraseSettings
        {
            Lambda = 0.9,
            Method = "speed",
            RetainScale = 0.7,
            PriorFilter = "off",
        };
        var filled = EraseSettings.Fill(request, preset);
        Assert.Equal(
            ("kept", 0.2, "uce", 0.7, "off", (int?)null),
            (filled.Text, filled.Lambda, filled.Method, filled.RetainScale, filled.PriorFilter, filled.Epochs)
        );
        Assert.Null(request.RetainScale);
    }

    [Fact]
    public void WithSetsOneSettingOnACopyAndCopyToKeepsTheTargetsOwnFields()
    {
        var original = new Request { Text = "kept", Lambda = 0.2 };
        var changed = EraseSetting.Named("epochs").With(original, 3);
        Assert.Equal((3, 0.2, "kept"), (changed.Epochs!.Value, changed.Lambda!.Value, changed.Text));
        Assert.Null(original.Epochs);
        var copied = new EraseSettings { Regularizer = 1e-3 }.CopyTo(original);
        Assert.Equal((1e-3, null, "kept"), (copied.Regularizer!.Value, copied.Lambda, copied.Text));
    }

    [Theory]
    [InlineData("lambda", 0.0, false)]
    [InlineData("lambda", double.PositiveInfinity, false)]
    [InlineData("preserveScale", 0.0, true)]
    [InlineData("preserveScale", -1e-9, false)]
    [InlineData("epochs", 100, true)]
    [InlineData("epochs", 101, false)]
    [InlineData("epochs", 1.5, false)]
    [InlineData("reg", double.NaN, false)]
    public void EachSettingAcceptsWhatItsRuleSays(string name, double value, bool accepted)
    {
        var setting = EraseSetting.Named(name);
        Assert.Equal(accepted, setting.Accepts(value));
        Assert.Equal(accepted, setting.Problem(value) is null);
    }
}
