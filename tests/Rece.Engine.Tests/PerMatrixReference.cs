using static TorchSharp.torch;

namespace Rece.Engine.Tests;

/// <summary>
/// docs/algorithm.md written out the plain way: every matrix edited on its own, sums over layers done explicitly.
/// The oracle the shared-factor implementation is checked against.
/// </summary>
internal static class PerMatrixReference
{
    /// <summary>
    /// The edit restricted to W_new = W + Y Q^T (the null space Q of the preserved rows), solved for Y directly:
    /// Y (lambda I + s_e sum (Q^T c)(Q^T c)^T + s_p sum (Q^T r)(Q^T r)^T) = s_e sum (W g - W c)(Q^T c)^T.
    /// </summary>
    public static Tensor EditInNullSpace(
        Tensor w,
        Tensor erased,
        Tensor targets,
        Tensor preserveRows,
        EditScales s,
        Tensor q
    )
    {
        long k = q.shape[1];
        var lhs = eye(k, dtype: ScalarType.Float64).mul(s.Lambda);
        var rhs = zeros(w.shape[0], k, dtype: ScalarType.Float64);
        for (long t = 0; t < erased.shape[0]; t++)
        {
            var c = erased[t].unsqueeze(1);
            var qc = q.t().mm(c);
            lhs = lhs.add(qc.mm(qc.t()).mul(s.EraseScale));
            rhs = rhs.add(w.mm(targets[t].unsqueeze(1)).sub(w.mm(c)).mm(qc.t()).mul(s.EraseScale));
        }
        for (long r = 0; r < preserveRows.shape[0]; r++)
        {
            var qr = q.t().mm(preserveRows[r].unsqueeze(1));
            lhs = lhs.add(qr.mm(qr.t()).mul(s.PreserveScale));
        }
        return w.add(linalg.solve(lhs, rhs.t()).t().mm(q.t()));
    }

    /// <summary>The eigenvectors of the rows' mean second moment with eigenvalues below the threshold.</summary>
    public static Tensor NullSpace(Tensor rows, double threshold)
    {
        var moment = rows.t().mm(rows).div(rows.shape[0]);
        var (values, vectors) = linalg.eigh(moment);
        var keep = Enumerable.Range(0, (int)values.shape[0]).Where(i => values[i].item<double>() < threshold).ToArray();
        return vectors.index_select(1, tensor(keep.Select(i => (long)i).ToArray()));
    }

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

    /// <summary>The reference's close_form_emb variants, summed over the matrices one by one.</summary>
    public static Tensor Derive(
        IReadOnlyList<Tensor> current,
        IReadOnlyList<Tensor> original,
        Tensor concept,
        double reg,
        Derivation derivation = Derivation.RegZero,
        Tensor? guide = null
    )
    {
        long d = concept.shape[1];
        var a = zeros(d, d, dtype: ScalarType.Float64);
        var b = zeros(d, d, dtype: ScalarType.Float64);
        for (int l = 0; l < current.Count; l++)
        {
            a = a.add(current[l].t().mm(current[l]));
            b = b.add(current[l].t().mm(original[l]));
        }
        var identity = eye(d, dtype: ScalarType.Float64);
        return derivation switch
        {
            Derivation.StandardReg => linalg
                .solve(identity.mul(reg).add(a), b.mm(concept.t()).add(guide!.t().mul(reg)))
                .t(),
            Derivation.SurrogateReg => linalg.solve(a.mul(1 + reg), b.add(a.mul(reg)).mm(concept.t())).t(),
            _ => linalg.solve(identity.mul(reg).add(a), b.mm(concept.t())).t(),
        };
    }

    public static List<Tensor> Run(
        IReadOnlyList<Tensor> original,
        IReadOnlyList<ConceptToErase> concepts,
        Tensor empty,
        Tensor space,
        IReadOnlyList<Tensor> preserve,
        ReceParameters p
    )
    {
        var (erased, targets) = ReceAlgorithm.AlignTokens(concepts);
        var ucePreserve = cat(new[] { empty }.Concat(preserve).ToArray(), 0);
        var q = p.PreserveMode == PreserveMode.NullSpace ? NullSpace(ucePreserve, p.NullSpaceThreshold) : null;
        Tensor EditOne(Tensor w, Tensor c, Tensor g, Tensor r, EditScales s) =>
            q is null ? Edit(w, c, g, r, s) : EditInNullSpace(w, c, g, r, s, q);
        var weights = original
            .Select(w => EditOne(w, erased, targets, ucePreserve, p.UceScales(preserve.Count)))
            .ToList();
        var allConcepts = cat(concepts.Select(c => c.ConceptEmbedding).ToArray(), 0);
        var allGuides = cat(concepts.Select(c => c.GuideEmbedding).ToArray(), 0);
        var epochPreserve = cat(Enumerable.Repeat(space, concepts.Count).Concat(preserve).ToArray(), 0);
        for (int e = 0; e < p.EffectiveEpochs; e++)
        {
            var derived = Derive(weights, original, allConcepts, p.Regularizer, p.Derivation, allGuides);
            weights = weights.Select(w => EditOne(w, derived, allGuides, epochPreserve, p.EpochScales)).ToList();
        }
        return weights;
    }
}
