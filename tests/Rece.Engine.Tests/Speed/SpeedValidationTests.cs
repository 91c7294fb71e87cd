using Rece.Engine.Speed;
using static TorchSharp.torch;

namespace Rece.Engine.Tests.Speed;

public class SpeedValidationTests
{
    public static TheoryData<SpeedParameters, string> BadParameters() =>
        new()
        {
            {
                new SpeedParameters { Threshold = 0 },
                nameof(SpeedParameters.Threshold)
            },
            {
                new SpeedParameters { Threshold = -0.1 },
                nameof(SpeedParameters.Threshold)
            },
            {
                new SpeedParameters { Threshold = double.NaN },
                nameof(SpeedParameters.Threshold)
            },
            {
                new SpeedParameters { RetainScale = 0 },
                nameof(SpeedParameters.RetainScale)
            },
            {
                new SpeedParameters { RetainScale = double.PositiveInfinity },
                nameof(SpeedParameters.RetainScale)
            },
            {
                new SpeedParameters { InvarianceLambda = -1e-9 },
                nameof(SpeedParameters.InvarianceLambda)
            },
            {
                new SpeedParameters { Augmentations = -1 },
                nameof(SpeedParameters.Augmentations)
            },
            {
                new SpeedParameters { Augmentations = 1001 },
                nameof(SpeedParameters.Augmentations)
            },
        };

    [Theory]
    [MemberData(nameof(BadParameters))]
    public void BadParametersAreRefusedByName(SpeedParameters parameters, string name)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(parameters.Validate);

        Assert.Equal(name, error.ParamName);
    }

    [Fact]
    public void TheLimitsThemselvesAreAccepted()
    {
        new SpeedParameters { Augmentations = 0, InvarianceLambda = 0 }.Validate();
        new SpeedParameters { Augmentations = SpeedParameters.MaxAugmentations, Threshold = 1e-12 }.Validate();
    }

    private static Tensor Rows(long n, long d) => ones(n, d, dtype: ScalarType.Float64);

    private static readonly SpeedParameters Defaults = new();

    public static TheoryData<string, Func<SpeedEdit>> BadShapes() =>
        new()
        {
            { "at least one concept", () => SpeedEdit.Prepare([], Rows(3, 6), Rows(77, 6), Defaults) },
            {
                "target rows must be n x 6",
                () => SpeedEdit.Prepare([new(Rows(1, 5), Rows(1, 5))], Rows(3, 6), Rows(77, 6), Defaults)
            },
            {
                "target rows must be n x 6",
                () => SpeedEdit.Prepare([new(Rows(0, 6), Rows(0, 6))], Rows(3, 6), Rows(77, 6), Defaults)
            },
            {
                "must pair with its target rows",
                () => SpeedEdit.Prepare([new(Rows(2, 6), Rows(1, 6))], Rows(3, 6), Rows(77, 6), Defaults)
            },
            {
                "retained rows must be N x 6",
                () => SpeedEdit.Prepare([new(Rows(1, 6), Rows(1, 6))], Rows(3, 7), Rows(77, 6), Defaults)
            },
            {
                "must be 77 x d",
                () => SpeedEdit.Prepare([new(Rows(1, 6), Rows(1, 6))], Rows(3, 6), Rows(76, 6), Defaults)
            },
        };

    [Theory]
    [MemberData(nameof(BadShapes))]
    public void BadShapesAreRefusedWithAClearMessage(string message, Func<SpeedEdit> prepare)
    {
        var error = Assert.Throws<ArgumentException>(prepare);

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadParametersAreRefusedBeforeAnyWork()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            SpeedEdit.Prepare(
                [new(Rows(1, 6), Rows(1, 6))],
                Rows(3, 6),
                Rows(77, 6),
                new SpeedParameters { Threshold = -1 }
            )
        );
    }

    [Fact]
    public void AMatrixOfAnotherWidthIsRefused()
    {
        var g = new Generator(1);
        using var edit = SpeedEdit.Prepare(
            SpeedData.Pairs(g, 6, 1),
            SpeedData.Normal(g, 3, 6),
            SpeedData.Normal(g, 77, 6),
            Defaults
        );

        var error = Assert.Throws<ArgumentException>(() => edit.Factor(ones(4, 5, dtype: ScalarType.Float64), 0));
        Assert.Contains("d_out x 6", error.Message, StringComparison.Ordinal);
    }
}
