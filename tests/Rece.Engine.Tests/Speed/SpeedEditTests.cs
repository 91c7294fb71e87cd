using Rece.Engine.Speed;
using static TorchSharp.torch;

namespace Rece.Engine.Tests.Speed;

public class SpeedEditTests
{
    private const long D = 12;

    /// <summary>Two concepts, 20 retained rows in a random 4-dimensional subspace, a random empty prompt.</summary>
    private sealed class Inputs
    {
        public Inputs(int seed, long d = D, int retained = 20, long conceptRows = 1)
        {
            var g = new Generator((ulong)seed);
            Pairs = SpeedData.Pairs(g, d, 2, conceptRows);
            Span = SpeedData.Basis(g, d, 4);
            // Scaled so that their directions stay above tau even when DPA's samples dilute the second moment.
            Retain = SpeedData.RowsIn(g, Span, retained).mul(4);
            NullText = SpeedData.Normal(g, SpeedEdit.ContextLength, d);
            Weights = new[] { SpeedData.Normal(g, 10, d), SpeedData.Normal(g, 2 * d, d) };
        }

        public List<SpeedPair> Pairs { get; }
        public Tensor Span { get; }
        public Tensor Retain { get; }
        public Tensor NullText { get; }
        public Tensor[] Weights { get; }

        public SpeedEdit Prepare(SpeedParameters parameters) => SpeedEdit.Prepare(Pairs, Retain, NullText, parameters);
    }

    private static Tensor Change(SpeedEdit edit, Tensor w, int layer) =>
        w.mm(edit.Factor(w, layer).sub(SpeedData.Identity(w.shape[1])));

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    public void TheEmptyPromptsTokensKeepTheirOutputsWhileTheEditActs(int augmentations)
    {
        var inputs = new Inputs(1);
        using var edit = inputs.Prepare(new SpeedParameters { Augmentations = augmentations });

        for (int l = 0; l < inputs.Weights.Length; l++)
        {
            var dw = Change(edit, inputs.Weights[l], l);
            var k2 = edit.InvariantColumns;

            Assert.Equal(new long[] { D, 4 }, k2.shape);
            Assert.True(SpeedData.Relative(k2.t()[0], inputs.NullText[0]) == 0, "K2's first column is the SOT row");
            double scale = dw.norm().item<double>() * k2.norm().item<double>();
            Assert.True(dw.norm().item<double>() > 1e-2 * inputs.Weights[l].norm().item<double>());
            Assert.True(dw.mm(k2).norm().item<double>() < 1e-10 * scale);
        }
    }

    [Fact]
    public void APositiveInvarianceLambdaLetsTheEmptyPromptMove()
    {
        var inputs = new Inputs(2);
        using var edit = inputs.Prepare(new SpeedParameters { Augmentations = 0, InvarianceLambda = 10 });

        var dw = Change(edit, inputs.Weights[0], 0);

        double scale = dw.norm().item<double>() * edit.InvariantColumns.norm().item<double>();
        Assert.True(dw.mm(edit.InvariantColumns).norm().item<double>() > 1e-6 * scale);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(10, 1)]
    [InlineData(0, 3)]
    public void TargetsMoveTowardTheirAnchorsAndRetainedRowsStay(int augmentations, long conceptRows)
    {
        var inputs = new Inputs(3, conceptRows: conceptRows);
        var parameters = new SpeedParameters { Augmentations = augmentations };
        using var edit = inputs.Prepare(parameters);

        foreach (var (w, l) in inputs.Weights.Select((w, l) => (w, l)))
        {
            var edited = w.mm(edit.Factor(w, l));
            foreach (var (target, anchor) in inputs.Pairs)
            {
                double before = w.mm(target.t()).sub(w.mm(anchor.t())).norm().item<double>();
                double after = edited.mm(target.t()).sub(w.mm(anchor.t())).norm().item<double>();
                Assert.True(after < before, $"matrix {l}: {after} is not nearer the anchor than {before}");
            }

            // The retained rows span exactly 4 directions, all outside the null space: their outputs do not move (with
            // IPF, the rows it drops still lie in the span of those it keeps).
            var kept = edited.mm(inputs.Retain.t());
            var original = w.mm(inputs.Retain.t());
            Assert.True(SpeedData.Relative(kept, original) < 1e-10, $"{SpeedData.Relative(kept, original)}");

            // The same edit without the projector (P = I) moves them.
            var difference = Difference(inputs.Pairs);
            var free = SpeedClosedForm.Edit(
                difference.Difference,
                difference.TargetGram,
                SpeedData.Identity(D),
                edit.InvariantColumns,
                parameters.RetainScale,
                0
            );
            var moved = w.mm(free.add(SpeedData.Identity(D))).mm(inputs.Retain.t());
            Assert.True(SpeedData.Relative(moved, original) > 1e-2);
        }
    }

    /// <summary>D and S_tt as their definition states them, for the comparison edits.</summary>
    private static (Tensor Difference, Tensor TargetGram) Difference(List<SpeedPair> pairs)
    {
        var s = pairs.Select(p => p.Target.t().mm(p.Target)).Aggregate((x, y) => x.add(y)).div(pairs.Count);
        var at = pairs.Select(p => p.Anchor.t().mm(p.Target)).Aggregate((x, y) => x.add(y)).div(pairs.Count);
        return (at.sub(s), s);
    }

    [Fact]
    public void WithoutAugmentationEveryMatrixGetsTheFactorOfTheGivenRetainedRows()
    {
        var inputs = new Inputs(4);
        var parameters = new SpeedParameters { Augmentations = 0, RetainScale = 0.5 };
        using var edit = inputs.Prepare(parameters);

        Assert.False(edit.DependsOnWeights);
        var first = edit.Factor(inputs.Weights[0], 0);
        var second = edit.Factor(inputs.Weights[1], 1);

        Assert.True(SpeedData.Same(first, second));
        var (difference, targetGram) = Difference(inputs.Pairs);
        var expected = SpeedClosedForm
            .Edit(
                difference,
                targetGram,
                NullSpaceProjector.Projector(inputs.Retain, parameters.Threshold),
                edit.InvariantColumns,
                parameters.RetainScale,
                0
            )
            .add(SpeedData.Identity(D));
        Assert.True(SpeedData.Relative(first, expected) < 1e-12);
    }

    [Fact]
    public void AugmentedFactorsDependOnTheSeedAndLayerButNotOnTheOrderOfCalls()
    {
        var inputs = new Inputs(5);
        var w = inputs.Weights[1];
        using var edit = inputs.Prepare(new SpeedParameters { Seed = 11 });
        using var same = inputs.Prepare(new SpeedParameters { Seed = 11 });
        using var reseeded = inputs.Prepare(new SpeedParameters { Seed = 12 });

        Assert.True(edit.DependsOnWeights);
        var layer3 = edit.Factor(w, 3);
        var layer4 = edit.Factor(w, 4);

        Assert.True(SpeedData.Same(same.Factor(w, 4), layer4), "the same seed and layer, called in another order");
        Assert.True(SpeedData.Same(same.Factor(w, 3), layer3));
        Assert.True(SpeedData.Same(edit.Factor(w, 3), layer3), "a repeated call");
        Assert.False(SpeedData.Same(layer3, layer4), "another layer draws other noise");
        Assert.False(SpeedData.Same(reseeded.Factor(w, 3), layer3), "another seed draws other noise");
        Assert.False(SpeedData.Same(edit.Factor(inputs.Weights[0], 3), layer3), "another matrix");
    }

    [Fact]
    public void CallsWithoutALayerAreNumberedInOrder()
    {
        var inputs = new Inputs(6);
        using var edit = inputs.Prepare(new SpeedParameters());
        using var reference = inputs.Prepare(new SpeedParameters());

        var first = edit.Factor(inputs.Weights[0]);
        var second = edit.Factor(inputs.Weights[1]);

        Assert.True(SpeedData.Same(first, reference.Factor(inputs.Weights[0], 0)));
        Assert.True(SpeedData.Same(second, reference.Factor(inputs.Weights[1], 1)));
    }

    [Fact]
    public void ThePriorFilterChangesTheNullSpace()
    {
        // Retained rows in general position (not a subspace), so which ones are kept matters.
        var inputs = new Inputs(7);
        var g = new Generator(70);
        var retain = SpeedData.Normal(g, 40, D).mul(0.3);
        using var filtered = SpeedEdit.Prepare(inputs.Pairs, retain, inputs.NullText, new SpeedParameters());
        using var unfiltered = SpeedEdit.Prepare(
            inputs.Pairs,
            retain,
            inputs.NullText,
            new SpeedParameters { PriorFilter = false, Threshold = 0.2 }
        );
        using var unfilteredSameTau = SpeedEdit.Prepare(
            inputs.Pairs,
            retain,
            inputs.NullText,
            new SpeedParameters { PriorFilter = false }
        );

        var w = inputs.Weights[1];
        var a = filtered.Factor(w, 0);
        var b = unfilteredSameTau.Factor(w, 0);

        Assert.True(isfinite(unfiltered.Factor(w, 0)).all().item<bool>());
        Assert.True(SpeedData.Relative(a, b) > 1e-6, "IPF kept every row");
    }

    [Fact]
    public void AFullSizeEditKeepsTheInvariantColumns()
    {
        var g = new Generator(9);
        const long Wide = 768;
        var pairs = SpeedData.Pairs(g, Wide, 3);
        var retain = SpeedData.Normal(g, 40, Wide).mul(0.5);
        var nullText = SpeedData.Normal(g, SpeedEdit.ContextLength, Wide);
        var w = SpeedData.Normal(g, 320, Wide).mul(0.05);

        using var edit = SpeedEdit.Prepare(pairs, retain, nullText, new SpeedParameters());
        var f = edit.Factor(w, 0);

        var dw = w.mm(f.sub(SpeedData.Identity(Wide)));
        Assert.Equal(new long[] { Wide, Wide }, f.shape);
        Assert.True(dw.norm().item<double>() > 0);
        double scale = dw.norm().item<double>() * edit.InvariantColumns.norm().item<double>();
        Assert.True(dw.mm(edit.InvariantColumns).norm().item<double>() < 1e-10 * scale);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    public void NoRetainedRowsLeaveOnlyTheInvarianceConstraint(int augmentations)
    {
        var inputs = new Inputs(10);
        var parameters = new SpeedParameters { Augmentations = augmentations };
        using var edit = SpeedEdit.Prepare(
            inputs.Pairs,
            zeros(0, D, dtype: ScalarType.Float64),
            inputs.NullText,
            parameters
        );

        var f = edit.Factor(inputs.Weights[0], 0);

        var (difference, targetGram) = Difference(inputs.Pairs);
        var expected = SpeedClosedForm
            .Edit(difference, targetGram, SpeedData.Identity(D), edit.InvariantColumns, parameters.RetainScale, 0)
            .add(SpeedData.Identity(D));
        Assert.True(SpeedData.Relative(f, expected) < 1e-12);
    }

    [Fact]
    public void RetainedRowsFillingEveryDirectionAreAnIllPosedErasure()
    {
        var inputs = new Inputs(8);
        var retain = SpeedData.Normal(new Generator(80), 200, D);

        Assert.Throws<IllPosedErasureException>(() =>
            SpeedEdit.Prepare(inputs.Pairs, retain, inputs.NullText, new SpeedParameters { Augmentations = 0 })
        );
    }

    [Fact]
    public void NonFiniteInputsAreAnIllPosedErasure()
    {
        var inputs = new Inputs(9);
        var broken = inputs.Retain.clone();
        broken[0, 0] = double.NaN;

        Assert.Throws<IllPosedErasureException>(() =>
            SpeedEdit.Prepare(inputs.Pairs, broken, inputs.NullText, new SpeedParameters())
        );
        using var edit = inputs.Prepare(new SpeedParameters());
        var w = inputs.Weights[0].clone();
        w[1, 1] = double.PositiveInfinity;
        Assert.Throws<IllPosedErasureException>(() => edit.Factor(w, 0));
    }
}
