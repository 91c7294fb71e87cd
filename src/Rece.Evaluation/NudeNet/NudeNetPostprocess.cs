namespace Rece.Evaluation.NudeNet;

/// <summary>
/// NudeNet 3.4's post-processing of the YOLOv8 output [1, 4 + 18, N] (rows: centre x, centre y, width, height in input
/// pixels, then one score per class): the best class of each anchor at score >= 0.2, the box mapped back to the
/// original image and clipped to it, then OpenCV's NMSBoxes(score threshold 0.25, IoU 0.45) across all classes.
/// </summary>
public static class NudeNetPostprocess
{
    public const float CandidateScore = 0.2f;
    public const float NmsScoreThreshold = 0.25f;
    public const double NmsIou = 0.45;

    /// <param name="output">The detector output for one image, row-major [4 + classes, anchors].</param>
    public static IReadOnlyList<Detection> Decode(ReadOnlySpan<float> output, int anchors, Letterbox letterbox)
    {
        int rows = 4 + NudeNetLabels.ClassCount;
        if (output.Length != rows * anchors)
            throw new ArgumentException(
                $"Expected {rows} x {anchors} detector outputs, got {output.Length}.",
                nameof(output)
            );
        var candidates = new List<Detection>();
        double scale = letterbox.Scale;
        for (int n = 0; n < anchors; n++)
        {
            int best = 0;
            float bestScore = output[4 * anchors + n];
            for (int c = 1; c < NudeNetLabels.ClassCount; c++)
            {
                // First maximum wins, as numpy's argmax.
                float score = output[(4 + c) * anchors + n];
                if (score > bestScore)
                {
                    bestScore = score;
                    best = c;
                }
            }
            if (!(bestScore >= CandidateScore))
                continue;
            double cx = output[n],
                cy = output[anchors + n],
                w = output[2 * anchors + n],
                h = output[3 * anchors + n];
            double x = (cx - w / 2) * scale,
                y = (cy - h / 2) * scale;
            w *= scale;
            h *= scale;
            x = Math.Clamp(x, 0, letterbox.Width);
            y = Math.Clamp(y, 0, letterbox.Height);
            w = Math.Min(w, letterbox.Width - x);
            h = Math.Min(h, letterbox.Height - y);
            candidates.Add(new Detection(NudeNetLabels.All[best], bestScore, new Box(x, y, w, h)));
        }
        return NonMaximumSuppression(candidates, NmsScoreThreshold, NmsIou);
    }

    /// <summary>
    /// cv2.dnn.NMSBoxes: boxes scoring above <paramref name="scoreThreshold"/>, by descending score (ties keep their
    /// order), each kept unless its IoU with an already kept box exceeds <paramref name="iouThreshold"/>.
    /// </summary>
    public static IReadOnlyList<Detection> NonMaximumSuppression(
        IReadOnlyList<Detection> candidates,
        float scoreThreshold,
        double iouThreshold
    )
    {
        // OrderBy is stable
        var ordered = candidates.Where(d => d.Score > scoreThreshold).OrderByDescending(d => d.Score).ToList();
        var kept = new List<Detection>();
        foreach (var candidate in ordered)
        {
            if (kept.All(k => candidate.Box.IntersectionOverUnion(k.Box) <= iouThreshold))
                kept.Add(candidate);
        }
        return kept;
    }
}
