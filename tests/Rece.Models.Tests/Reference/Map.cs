namespace Rece.Models.Tests.Reference;

/// <summary>A [C, H, W] feature map (one image) in float64.</summary>
public sealed class Map(int c, int h, int w)
{
    public int C { get; } = c;
    public int H { get; } = h;
    public int W { get; } = w;
    public double[] Data { get; } = new double[c * h * w];

    public double this[int ch, int y, int x]
    {
        get => Data[(ch * H + y) * W + x];
        set => Data[(ch * H + y) * W + x] = value;
    }

    public Map Copy()
    {
        var m = new Map(C, H, W);
        Data.CopyTo(m.Data, 0);
        return m;
    }
}
