using static TorchSharp.torch;

namespace Rece.Engine.Tests;

public class ClosedFormEditTests
{
    private static Tensor Normal(Generator g, long r, long c) => randn(r, c, dtype: ScalarType.Float64, generator: g);

    [Fact]
    public void TheEditIsTheMinimizerOfItsObjective()
    {
        var g = new Generator(21);
        var w = Normal(g, 20, 12);
        var erased = Normal(g, 9, 12);
        var targets = Normal(g, 9, 12);
        var preserve = Normal(g, 15, 12);
        var scales = new EditScales(0.3, 1.0, 0.25);

        using var factor = ClosedFormEdit.Solve(erased, targets, ClosedFormEdit.GramOfRows(preserve), scales);
        var edited = w.mm(factor.ToDense());

        // Gradient of lambda||W'-W||^2 + s_e sum||W'c - Wg||^2 + s_p sum||W'r - Wr||^2 (halved).
        Tensor Gradient(Tensor x) =>
            x.sub(w)
                .mul(scales.Lambda)
                .add(x.mm(erased.t()).sub(w.mm(targets.t())).mm(erased).mul(scales.EraseScale))
                .add(x.mm(preserve.t()).sub(w.mm(preserve.t())).mm(preserve).mul(scales.PreserveScale));

        double atSolution = Gradient(edited).norm().item<double>();
        double atStart = Gradient(w).norm().item<double>();
        Assert.True(atStart > 1.0);
        Assert.True(atSolution < 1e-10 * atStart, $"gradient {atSolution} vs {atStart} at W");
    }

    [Fact]
    public void TinyLambdaMapsEachErasedVectorToItsTarget()
    {
        var g = new Generator(4);
        var w = Normal(g, 30, 16);
        var erased = Normal(g, 6, 16);
        var targets = Normal(g, 6, 16);

        using var factor = ClosedFormEdit.Solve(
            erased,
            targets,
            zeros(16, 16, dtype: ScalarType.Float64),
            new EditScales(1e-9, 1.0, 0.0)
        );
        var edited = w.mm(factor.ToDense());

        var mapped = edited.mm(erased.t());
        var wanted = w.mm(targets.t());
        Assert.True(RandomProblem.RelativeError(mapped, wanted) < 1e-6);
        Assert.True(
            RandomProblem.RelativeError(w.mm(erased.t()), wanted) > 0.5,
            "the erased vectors were not already mapped to their targets"
        );
    }

    [Fact]
    public void TheDerivedEmbeddingSatisfiesItsNormalEquations()
    {
        var problem = new RandomProblem(seed: 9);
        using var model = new SharedFactorModel(problem.Gram);
        var (erased, targets) = ReceAlgorithm.AlignTokens(problem.Concepts);
        using (
            var edit = ClosedFormEdit.Solve(
                erased,
                targets,
                ClosedFormEdit.GramOfRows(problem.Empty),
                new EditScales(0.5, 1, 1)
            )
        )
            model.Apply(edit);

        var concept = problem.Concepts[0].ConceptEmbedding;
        var derived = model.DeriveAdversarial(concept, 0.1);

        // (lambda_R I + sum_l W_l^T W_l) c' = sum_l W_l^T W0_l c, with every sum written out per matrix.
        var edited = problem.Original.Select(w => w.mm(model.Factor)).ToList();
        var lhs = derived.t().mul(0.1);
        var rhs = zeros_like(lhs);
        for (int l = 0; l < edited.Count; l++)
        {
            lhs = lhs.add(edited[l].t().mm(edited[l]).mm(derived.t()));
            rhs = rhs.add(edited[l].t().mm(problem.Original[l]).mm(concept.t()));
        }
        Assert.True(RandomProblem.RelativeError(lhs, rhs) < 1e-10);
    }

    [Fact]
    public void GramIsTheSumOfEveryMatrixTransposeTimesItself()
    {
        var g = new Generator(2);
        var matrices = new[] { Normal(g, 5, 7), Normal(g, 9, 7), Normal(g, 3, 7) };
        var expected = matrices.Aggregate(zeros(7, 7, dtype: ScalarType.Float64), (sum, w) => sum.add(w.t().mm(w)));
        var gram = KvGram.Compute(matrices.Select(m => m.to(ScalarType.Float32)));
        Assert.Equal(ScalarType.Float64, gram.dtype);
        Assert.True(RandomProblem.RelativeError(gram, expected) < 1e-6);
    }

    [Fact]
    public void SharedFactorModelTracksTheDenseProducts()
    {
        var problem = new RandomProblem(seed: 13);
        using var model = new SharedFactorModel(problem.Gram);
        var g = new Generator(77);
        for (int i = 0; i < 3; i++)
        {
            using var edit = ClosedFormEdit.Solve(
                Normal(g, 10, 24),
                Normal(g, 10, 24),
                ClosedFormEdit.GramOfRows(Normal(g, 5, 24)),
                new EditScales(0.2, 1, 0.1)
            );
            model.Apply(edit);
        }
        var dense = model.Factor;
        // After three low-rank updates the residual measure still equals its direct evaluation with P.
        var concept = problem.Concepts[0].ConceptEmbedding;
        var derived = model.DeriveAdversarial(concept, 0.5);
        var edited = problem.Original.Select(w => w.mm(dense)).ToList();
        var expected = PerMatrixReference.Derive(edited, problem.Original, concept, 0.5);
        Assert.True(RandomProblem.RelativeError(derived, expected) < 1e-9);
    }
}
