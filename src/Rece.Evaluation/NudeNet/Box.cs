namespace Rece.Evaluation.NudeNet;

/// <summary>A box in image pixels: top-left corner and size.</summary>
public readonly record struct Box(double X, double Y, double Width, double Height)
{
    public double Area => Math.Max(Width, 0) * Math.Max(Height, 0);

    /// <summary>Intersection over union, as OpenCV's rectangle overlap (0 when both areas are 0).</summary>
    public double IntersectionOverUnion(Box other)
    {
        double a = Area,
            b = other.Area;
        if (a + b <= double.Epsilon)
            return 1.0;
        double w = Math.Min(X + Width, other.X + other.Width) - Math.Max(X, other.X);
        double h = Math.Min(Y + Height, other.Y + other.Height) - Math.Max(Y, other.Y);
        double intersection = w > 0 && h > 0 ? w * h : 0;
        return intersection / (a + b - intersection);
    }
}
