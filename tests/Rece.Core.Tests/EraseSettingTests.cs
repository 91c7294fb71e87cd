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
        Assert.Equal(11, EraseSetting.All.Count);
        Assert.Equal(EraseSetting.All.Count, EraseSetting.All.Select(s => s.Name).Distinct().Count());
        Assert.Equal(EraseSetting.All.Count, EraseSetting.All.Select(s => s.Option).Distinct().Count());
        Assert.All(EraseSetting.All, s => Assert.StartsWith("--", s.Option, StringComparison.Ordinal));
        Assert.Equal(0.5, EraseSetting.Named("uceLambda").Default);
        Assert.Equal("preset", EraseSetting.Named("reg").DefaultText);
        Assert.Equal(
            new[] { "reg", "epochs", "lambda", "preserveScale", "derivation", "preserveMode" },
            EraseSetting.Sweepables.Select(s => s.Name)
        );
        Assert.Equal(new[] { "regzero", "standardreg", "surrogatereg" }, EraseSetting.Named("derivation").Choices);
        Assert.Equal("regzero", EraseSetting.Named("derivation").DefaultText);
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
