using static TorchSharp.torch;

namespace Rece.Engine.Tests;

public class ReceAlgorithmTests
{
    [Theory]
    [InlineData(ErasureMethod.Uce, 0, 1, 0, FactorForm.Auto)]
    [InlineData(ErasureMethod.Rece, 3, 1, 0, FactorForm.Auto)]
    [InlineData(ErasureMethod.Rece, 2, 2, 2, FactorForm.Auto)]
    [InlineData(ErasureMethod.Rece, 2, 2, 2, FactorForm.LowRank)]
    [InlineData(ErasureMethod.Rece, 2, 2, 2, FactorForm.Dense)]
    [InlineData(ErasureMethod.Uce, 0, 3, 1, FactorForm.LowRank)]
    public void SharedFactorEqualsThePlainPerMatrixFormula(
        ErasureMethod method,
        int epochs,
        int concepts,
        int preserveTexts,
        FactorForm form
    )
    {
        var problem = new RandomProblem(seed: 11, concepts: concepts, preserveTexts: preserveTexts);
        var parameters = new ReceParameters { Method = method, Epochs = epochs };

        using var erasure = new ErasureProblem(
            problem.Gram,
            problem.Concepts,
            problem.Empty,
            problem.Space,
            problem.Preserve,
            parameters,
            form
        );
        using var result = ReceAlgorithm.Run(erasure);
        var expected = PerMatrixReference.Run(
            problem.Original,
            problem.Concepts,
            problem.Empty,
            problem.Space,
            problem.Preserve,
            parameters
        );

        Assert.Equal(epochs + 2, result.Stages.Count);
        for (int l = 0; l < expected.Count; l++)
        {
            var actual = problem.Original[l].mm(result.SharedFactor);
            Assert.True(
                RandomProblem.RelativeError(actual, expected[l]) < 1e-9,
                $"matrix {l}: relative error {RandomProblem.RelativeError(actual, expected[l])}"
            );
        }
    }

    [Theory]
    [InlineData(FactorForm.LowRank)]
    [InlineData(FactorForm.Dense)]
    public void AResumedSessionContinuesBitForBit(FactorForm form)
    {
        var problem = new RandomProblem(seed: 21, preserveTexts: 2);
        var parameters = new ReceParameters { Epochs = 3 };
        using var erasure = new ErasureProblem(
            problem.Gram,
            problem.Concepts,
            problem.Empty,
            problem.Space,
            problem.Preserve,
            parameters,
            form
        );
        using var continuous = ReceAlgorithm.Run(erasure);

        // Save after every stage, drop the session, resume from the saved copy, as a pipeline worker does.
        var stages = new List<StageMeasures>();
        SharedFactorState? saved = null;
        for (int stage = 0; stage <= erasure.LastStage; stage++)
        {
            using var session = saved is null
                ? ReceSession.Start(erasure)
                : ReceSession.Resume(erasure, stage - 1, saved);
            stages.Add(session.Step());
            saved?.Dispose();
            saved = session.State;
        }

        Assert.Equal(continuous.SharedFactor.data<double>().ToArray(), saved!.Factor.data<double>().ToArray());
        Assert.Equal(
            continuous.Stages.Select(s =>
                (s.Stage, s.RecoveredConceptResidual, s.PreservationDrift, s.RelativeWeightChange)
            ),
            stages.Select(s => (s.Stage, s.RecoveredConceptResidual, s.PreservationDrift, s.RelativeWeightChange))
        );
    }

    [Fact]
    public void ASessionRefusesToStepPastItsLastStageOrResumeOutsideIt()
    {
        var problem = new RandomProblem(seed: 4);
        using var erasure = new ErasureProblem(
            problem.Gram,
            problem.Concepts,
            problem.Empty,
            problem.Space,
            problem.Preserve,
            new ReceParameters { Method = ErasureMethod.Uce }
        );
        using var session = ReceSession.Start(erasure);
        Assert.Equal("original", session.Step().Stage);
        Assert.Equal("uce", session.Step().Stage);
        Assert.True(session.IsFinished);
        Assert.Throws<InvalidOperationException>(() => session.Step());
        using var state = session.State;
        Assert.Throws<ArgumentOutOfRangeException>(() => ReceSession.Resume(erasure, 2, state));
    }

    [Fact]
    public void MaterializedMatricesInFloat32MatchTheFloat64Factor()
    {
        var problem = new RandomProblem(seed: 3);
        using var result = problem.Run(new ReceParameters());
        var stored = FactorApplication.ToStoredPrecision(result.SharedFactor);
        foreach (var w in problem.Original)
        {
            var edited = FactorApplication.Apply(w.to(ScalarType.Float32), stored);
            Assert.Equal(ScalarType.Float32, edited.dtype);
            Assert.True(RandomProblem.RelativeError(edited.to(ScalarType.Float64), w.mm(result.SharedFactor)) < 1e-5);
        }
    }

    [Fact]
    public void ReceEpochsRaiseTheRecoveredConceptResidualAboveUceAlone()
    {
        var problem = new RandomProblem(seed: 5, d: 32, outSizes: new[] { 40, 40, 64, 64 });
        using var result = problem.Run(new ReceParameters { Epochs = 3 });

        var residual = result.Stages.Select(s => s.RecoveredConceptResidual).ToArray();
        Assert.Equal(
            new[] { "original", "uce", "rece-epoch-1", "rece-epoch-2", "rece-epoch-3" },
            result.Stages.Select(s => s.Stage)
        );
        Assert.True(residual[0] < 0.05, $"original residual {residual[0]} should be near 0");
        Assert.True(residual[1] > residual[0], "UCE should raise the residual");
        for (int k = 2; k < residual.Length; k++)
            Assert.True(
                residual[k] > residual[k - 1],
                $"epoch {k - 1} residual {residual[k]} should exceed {residual[k - 1]}"
            );
        Assert.Equal(0.0, result.Stages[0].RelativeWeightChange);
        Assert.True(result.Stages[^1].RelativeWeightChange > result.Stages[1].RelativeWeightChange);
    }

    [Theory]
    [InlineData(FactorForm.LowRank, 24, 2)]
    [InlineData(FactorForm.Dense, 24, 2)]
    [InlineData(FactorForm.Auto, 200, 0)]
    public void MeasuresEqualTheirDefinitionsOverTheMatrices(FactorForm form, int d, int preserveTexts)
    {
        // d = 200 with no preserve text measures the drift on its 77 rows; d = 24 on their Gram matrix.
        var problem = new RandomProblem(seed: 8, d: d, preserveTexts: preserveTexts);
        using var erasure = new ErasureProblem(
            problem.Gram,
            problem.Concepts,
            problem.Empty,
            problem.Space,
            problem.Preserve,
            new ReceParameters { Epochs = 2 },
            form
        );
        using var result = ReceAlgorithm.Run(erasure, keepFinalDerived: true);
        var edited = problem.Original.Select(w => w.mm(result.SharedFactor)).ToList();
        var concept = problem.Concepts[0].ConceptEmbedding;

        var derived = PerMatrixReference.Derive(edited, problem.Original, concept, 0.1);
        Assert.True(RandomProblem.RelativeError(result.FinalDerivedEmbeddings!, derived) < 1e-9);
        double num = 0,
            den = 0,
            driftNum = 0,
            driftDen = 0,
            changeNum = 0,
            changeDen = 0;
        var drift = cat(new[] { problem.Empty }.Concat(problem.Preserve).ToArray(), 0);
        for (int l = 0; l < edited.Count; l++)
        {
            num += edited[l].mm(derived.t()).sub(problem.Original[l].mm(concept.t())).pow(2).sum().item<double>();
            den += problem.Original[l].mm(concept.t()).pow(2).sum().item<double>();
            driftNum += edited[l].sub(problem.Original[l]).mm(drift.t()).pow(2).sum().item<double>();
            driftDen += problem.Original[l].mm(drift.t()).pow(2).sum().item<double>();
            changeNum += edited[l].sub(problem.Original[l]).pow(2).sum().item<double>();
            changeDen += problem.Original[l].pow(2).sum().item<double>();
        }
        var last = result.Stages[^1];
        Assert.Equal(Math.Sqrt(num / den), last.RecoveredConceptResidual, 9);
        Assert.Equal(Math.Sqrt(driftNum / driftDen), last.PreservationDrift, 9);
        Assert.Equal(Math.Sqrt(changeNum / changeDen), last.RelativeWeightChange, 9);
    }

    [Theory]
    [InlineData(Derivation.StandardReg, FactorForm.LowRank)]
    [InlineData(Derivation.StandardReg, FactorForm.Dense)]
    [InlineData(Derivation.SurrogateReg, FactorForm.LowRank)]
    [InlineData(Derivation.SurrogateReg, FactorForm.Dense)]
    public void EveryDerivationEqualsTheReferencesFormulaInBothForms(Derivation derivation, FactorForm form)
    {
        var problem = new RandomProblem(seed: 12, concepts: 2, preserveTexts: 1);
        var parameters = new ReceParameters
        {
            Epochs = 2,
            Derivation = derivation,
            Regularizer = 0.05,
        };
        using var erasure = new ErasureProblem(
            problem.Gram,
            problem.Concepts,
            problem.Empty,
            problem.Space,
            problem.Preserve,
            parameters,
            form
        );
        using var result = ReceAlgorithm.Run(erasure, keepFinalDerived: true);

        // SurrogateReg solves with A alone, whose conditioning costs a digit next to the other variants.
        var expected = PerMatrixReference.Run(
            problem.Original,
            problem.Concepts,
            problem.Empty,
            problem.Space,
            problem.Preserve,
            parameters
        );
        for (int l = 0; l < expected.Count; l++)
            Assert.True(
                RandomProblem.RelativeError(problem.Original[l].mm(result.SharedFactor), expected[l]) < 1e-8,
                $"matrix {l}: {RandomProblem.RelativeError(problem.Original[l].mm(result.SharedFactor), expected[l])}"
            );
        var edited = problem.Original.Select(w => w.mm(result.SharedFactor)).ToList();
        var concepts = cat(problem.Concepts.Select(c => c.ConceptEmbedding).ToArray(), 0);
        var guides = cat(problem.Concepts.Select(c => c.GuideEmbedding).ToArray(), 0);
        if (derivation == Derivation.SurrogateReg)
        {
            // ((1 + lambda_R) A) c' = (B + lambda_R A) c has no ridge: once the edits make A near singular, c' itself
            // is ill-determined, so its normal equations are what both must satisfy.
            var a = edited.Select(w => w.t().mm(w)).Aggregate((x, y) => x.add(y));
            var b = edited.Zip(problem.Original, (w, w0) => w.t().mm(w0)).Aggregate((x, y) => x.add(y));
            var rhs = b.add(a.mul(0.05)).mm(concepts.t());
            double residual = RandomProblem.RelativeError(a.mul(1.05).mm(result.FinalDerivedEmbeddings!.t()), rhs);
            Assert.True(residual < 1e-5, $"normal equations: {residual}");
        }
        else
        {
            var derived = PerMatrixReference.Derive(edited, problem.Original, concepts, 0.05, derivation, guides);
            double error = RandomProblem.RelativeError(result.FinalDerivedEmbeddings!, derived);
            Assert.True(error < 1e-8, $"derived: {error}");
        }
    }

    [Theory]
    [InlineData(ErasureMethod.Uce, FactorForm.LowRank)]
    [InlineData(ErasureMethod.Rece, FactorForm.LowRank)]
    [InlineData(ErasureMethod.Rece, FactorForm.Dense)]
    public void NullSpaceModeKeepsThePreservedOutputsWhileTheConceptsMove(ErasureMethod method, FactorForm form)
    {
        // Preserved texts (and "") live in a 16-dimensional subspace of d = 48: the null space is the other 32.
        const int d = 48;
        var generator = new Generator(7);
        var basis = linalg.qr(randn(d, d, dtype: ScalarType.Float64, generator: generator)).Q;
        Tensor InSubspace() => randn(77, 16, dtype: ScalarType.Float64, generator: generator).mm(basis[.., ..16].t());
        var original = new[] { 40, 40, 64, 64 }
            .Select(o => randn(o, d, dtype: ScalarType.Float64, generator: generator).mul(0.2))
            .ToList();
        var empty = InSubspace();
        var preserve = new List<Tensor> { InSubspace(), InSubspace() };
        var concept = randn(77, d, dtype: ScalarType.Float64, generator: generator);
        var concepts = new List<ConceptToErase> { new("c", concept, 2, " ", empty, 0) };
        var parameters = new ReceParameters
        {
            Method = method,
            Epochs = 2,
            PreserveMode = PreserveMode.NullSpace,
        };

        using var erasure = new ErasureProblem(
            KvGram.Compute(original),
            concepts,
            empty,
            empty,
            preserve,
            parameters,
            form
        );
        using var result = ReceAlgorithm.Run(erasure);

        var expected = PerMatrixReference.Run(original, concepts, empty, empty, preserve, parameters);
        for (int l = 0; l < original.Count; l++)
            Assert.True(
                RandomProblem.RelativeError(original[l].mm(result.SharedFactor), expected[l]) < 1e-9,
                $"matrix {l}"
            );
        Assert.All(result.Stages, s =>
            Assert.True(s.PreservationDrift < 1e-10, $"{s.Stage}: drift {s.PreservationDrift}")
        );
        Assert.True(result.Stages[^1].RelativeWeightChange > 0.05);
        Assert.True(result.Stages[1].RecoveredConceptResidual > 10 * result.Stages[0].RecoveredConceptResidual);

        // The weighted mode on the same inputs lets the preserved outputs drift.
        using var weighted = new ErasureProblem(
            KvGram.Compute(original),
            concepts,
            empty,
            empty,
            preserve,
            parameters with
            {
                PreserveMode = PreserveMode.Weighted,
            },
            form
        );
        using var weightedResult = ReceAlgorithm.Run(weighted);
        Assert.True(weightedResult.Stages[^1].PreservationDrift > 1e-4);
    }

    [Fact]
    public void ANullSpaceThatIsEmptyIsAClearError()
    {
        var problem = new RandomProblem(seed: 3, preserveTexts: 2);
        var parameters = new ReceParameters { PreserveMode = PreserveMode.NullSpace, NullSpaceThreshold = 1e-12 };
        var error = Assert.Throws<IllPosedErasureException>(() => problem.Run(parameters));
        Assert.Contains("--null-space-threshold", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDenseFormPairsEachConceptWithItsOwnGuide()
    {
        // Two guides (one longer than its concept, so UCE's alignment drops tail rows), shared by three concepts.
        var problem = new RandomProblem(seed: 41, concepts: 3, preserveTexts: 1);
        var generator = new Generator(41);
        var guideA = randn(77, 24, dtype: ScalarType.Float64, generator: generator);
        var guideB = randn(77, 24, dtype: ScalarType.Float64, generator: generator);
        var concepts = problem
            .Concepts.Select(
                (c, i) =>
                    i == 1
                        ? c with
                        {
                            Guide = "b",
                            GuideEmbedding = guideB,
                            GuideWords = 5,
                        }
                        : c with
                        {
                            Guide = "a",
                            GuideEmbedding = guideA,
                            GuideWords = 1,
                        }
            )
            .ToList();
        var parameters = new ReceParameters { Epochs = 2 };
        using var erasure = new ErasureProblem(
            problem.Gram,
            concepts,
            problem.Empty,
            problem.Space,
            problem.Preserve,
            parameters,
            FactorForm.Dense
        );
        using var result = ReceAlgorithm.Run(erasure);
        var expected = PerMatrixReference.Run(
            problem.Original,
            concepts,
            problem.Empty,
            problem.Space,
            problem.Preserve,
            parameters
        );
        for (int l = 0; l < expected.Count; l++)
            Assert.True(
                RandomProblem.RelativeError(problem.Original[l].mm(result.SharedFactor), expected[l]) < 1e-9,
                $"matrix {l}"
            );
    }

    [Fact]
    public void AtTheSwitchBothFormsGiveTheSameFactor()
    {
        // 77 concept rows at d = 154: where Auto changes form (UCE's 75 aligned rows stay low-rank, the epochs go
        // dense).
        var problem = new RandomProblem(seed: 31, d: 154, preserveTexts: 3);
        var parameters = new ReceParameters { Epochs = 2 };
        ErasureResult Run(FactorForm form)
        {
            using var erasure = new ErasureProblem(
                problem.Gram,
                problem.Concepts,
                problem.Empty,
                problem.Space,
                problem.Preserve,
                parameters,
                form
            );
            return ReceAlgorithm.Run(erasure);
        }
        using var lowRank = Run(FactorForm.LowRank);
        using var dense = Run(FactorForm.Dense);
        using var auto = Run(FactorForm.Auto);
        Assert.True(RandomProblem.RelativeError(dense.SharedFactor, lowRank.SharedFactor) < 1e-10);
        Assert.True(RandomProblem.RelativeError(auto.SharedFactor, lowRank.SharedFactor) < 1e-10);
        var expected = PerMatrixReference.Run(
            problem.Original,
            problem.Concepts,
            problem.Empty,
            problem.Space,
            problem.Preserve,
            parameters
        );
        for (int l = 0; l < expected.Count; l++)
            Assert.True(RandomProblem.RelativeError(problem.Original[l].mm(auto.SharedFactor), expected[l]) < 1e-9);
    }

    [Fact]
    public void TokenAlignmentPairsTheLastConceptTokenWithTheLastGuideToken()
    {
        var concept = arange(77 * 4, dtype: ScalarType.Float64).reshape(77, 4);
        var guide = concept.neg();
        var (erased, targets) = ReceAlgorithm.AlignTokens(
            new[] { new ConceptToErase("nudity", concept, 2, " ", guide, 0) }
        );

        // "nudity" is two word tokens: positions 2..76 pair with guide positions 0..74.
        Assert.Equal(new long[] { 75, 4 }, erased.shape);
        Assert.Equal(concept[2].data<double>().ToArray(), erased[0].data<double>().ToArray());
        Assert.Equal(concept[76].data<double>().ToArray(), erased[74].data<double>().ToArray());
        Assert.Equal(guide[0].data<double>().ToArray(), targets[0].data<double>().ToArray());
        Assert.Equal(guide[74].data<double>().ToArray(), targets[74].data<double>().ToArray());

        // A longer guide: f = max(k_c, k_g) = 3, so 74 pairs starting at the guide's last word token.
        var (erased2, targets2) = ReceAlgorithm.AlignTokens(
            new[] { new ConceptToErase("x", concept, 1, "a b c", guide, 3) }
        );
        Assert.Equal(74, erased2.shape[0]);
        Assert.Equal(concept[1].data<double>().ToArray(), erased2[0].data<double>().ToArray());
        Assert.Equal(guide[3].data<double>().ToArray(), targets2[0].data<double>().ToArray());
    }

    [Theory]
    [InlineData(0.0, 0.1, 0.1, "lambda")]
    [InlineData(-1.0, 0.1, 0.1, "lambda")]
    [InlineData(0.5, 0.0, 0.1, "regularizer")]
    [InlineData(0.5, 0.1, -0.2, "preserve scale")]
    public void InvalidParametersAreRefusedWithTheReason(
        double uceLambda,
        double reg,
        double preserveScale,
        string named
    )
    {
        var problem = new RandomProblem(seed: 1);
        var parameters = new ReceParameters
        {
            UceLambda = uceLambda,
            Regularizer = reg,
            PreserveScale = preserveScale,
        };
        var error = Assert.ThrowsAny<ArgumentException>(() => problem.Run(parameters));
        Assert.Contains(named, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void NoConceptIsRefused()
    {
        var problem = new RandomProblem(seed: 1);
        Assert.Throws<ArgumentException>(() =>
            ReceAlgorithm.Run(
                problem.Gram,
                Array.Empty<ConceptToErase>(),
                problem.Empty,
                problem.Space,
                problem.Preserve,
                new ReceParameters()
            )
        );
    }
}
