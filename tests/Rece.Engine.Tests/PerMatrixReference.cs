using static TorchSharp.torch;

namespace Rece.Engine.Tests;

/// <summary>
/// docs/algorithm.md written out the plain way: every matrix edited on its own, sums over layers done explicitly.
/// The oracle the shared-factor implementation is checked against.
/// </summary>
internal static class PerMatrixReference
{
    public static Tensor Edit(Tensor w, Tensor erased, Tensor targets, Tensor preserveRows, EditScales s)
    {
        long d = w.shape[1];
        var a = w.mul(s.Lambda);
        var b = eye(d, dtype: ScalarType.Float64).mul(s.Lambda);
        for (long t = 0; t < erased.shape[0]; t++)
        {
            var c = erased[t].unsqueeze(1);
            var g = targets[t].unsqueeze(1);
            a = a.add(w.mm(g).mm(c.t()).mul(s.EraseScale));
            b = b.add(c.mm(c.t()).mul(s.EraseScale));
        }
        for (long r = 0; r < preserveRows.shape[0]; r++)
        {
            var v = preserveRows[r].unsqueeze(1);
            a = a.add(w.mm(v).mm(v.t()).mul(s.PreserveScale));
            b = b.add(v.mm(v.t()).mul(s.PreserveScale));
        }
        // W_new = A B^-1  <=>  B W_new^T = A^T (B symmetric).
        return linalg.solve(b, a.t()).t();
    }

    public static Tensor Derive(IReadOnlyList<Tensor> current, IReadOnlyList<Tensor> original, Tensor concept, double reg)
    {
        long d = concept.shape[1];
        var lhs = eye(d, dtype: ScalarType.Float64).mul(reg);
        var rhs = zeros(d, d, dtype: ScalarType.Float64);
        for (int l = 0; l < current.Count; l++)
        {
            lhs = lhs.add(current[l].t().mm(current[l]));
            rhs = rhs.add(current[l].t().mm(original[l]));
        }
        return linalg.solve(lhs, rhs.mm(concept.t())).t();
    }

    public static List<Tensor> Run(IReadOnlyList<Tensor> original, IReadOnlyList<ConceptToErase> concepts, Tensor empty, Tensor space,
        IReadOnlyList<Tensor> preserve, ReceParameters p)
    {
        var (erased, targets) = ReceAlgorithm.AlignTokens(concepts);
        var ucePreserve = cat(new[] { empty }.Concat(preserve).ToArray(), 0);
        var weights = original.Select(w => Edit(w, erased, targets, ucePreserve, p.UceScales(preserve.Count))).ToList();
        var allConcepts = cat(concepts.Select(c => c.ConceptEmbedding).ToArray(), 0);
        var allGuides = cat(concepts.Select(c => c.GuideEmbedding).ToArray(), 0);
        var epochPreserve = cat(Enumerable.Repeat(space, concepts.Count).Concat(preserve).ToArray(), 0);
        for (int e = 0; e < p.EffectiveEpochs; e++)
        {
            var derived = Derive(weights, original, allConcepts, p.Regularizer);
            weights = weights.Select(w => Edit(w, derived, allGuides, epochPreserve, p.EpochScales)).ToList();
        }
        return weights;
    }
}
