namespace Rece.Models.Tests.Reference;

/// <summary>
/// Straightforward loop implementations of the operators of diffusers' Stable Diffusion modules, in float64, written
/// from the definitions (no tensor library): the independent reference the TorchSharp modules are checked against.
/// </summary>
public static class Naive
{
    public static Map Conv(
        Map x,
        double[] weight,
        double[] bias,
        int outC,
        int kernel,
        int stride,
        int padTop,
        int padLeft,
        int padBottom,
        int padRight
    )
    {
        int outH = (x.H + padTop + padBottom - kernel) / stride + 1,
            outW = (x.W + padLeft + padRight - kernel) / stride + 1;
        var y = new Map(outC, outH, outW);
        for (int o = 0; o < outC; o++)
        for (int i = 0; i < outH; i++)
        for (int j = 0; j < outW; j++)
        {
            double sum = bias[o];
            for (int c = 0; c < x.C; c++)
            for (int ki = 0; ki < kernel; ki++)
            {
                int yy = i * stride + ki - padTop;
                if (yy < 0 || yy >= x.H)
                    continue;
                for (int kj = 0; kj < kernel; kj++)
                {
                    int xx = j * stride + kj - padLeft;
                    if (xx < 0 || xx >= x.W)
                        continue;
                    sum += weight[((o * x.C + c) * kernel + ki) * kernel + kj] * x[c, yy, xx];
                }
            }
            y[o, i, j] = sum;
        }
        return y;
    }

    public static Map GroupNorm(Map x, int groups, double[] gamma, double[] beta, double eps)
    {
        var y = new Map(x.C, x.H, x.W);
        int per = x.C / groups;
        for (int g = 0; g < groups; g++)
        {
            double mean = 0,
                sq = 0;
            int n = per * x.H * x.W;
            for (int c = g * per; c < (g + 1) * per; c++)
            for (int i = 0; i < x.H * x.W; i++)
                mean += x.Data[c * x.H * x.W + i];
            mean /= n;
            for (int c = g * per; c < (g + 1) * per; c++)
            for (int i = 0; i < x.H * x.W; i++)
                sq += Math.Pow(x.Data[c * x.H * x.W + i] - mean, 2);
            double inv = 1 / Math.Sqrt(sq / n + eps);
            for (int c = g * per; c < (g + 1) * per; c++)
            for (int i = 0; i < x.H * x.W; i++)
                y.Data[c * x.H * x.W + i] = (x.Data[c * x.H * x.W + i] - mean) * inv * gamma[c] + beta[c];
        }
        return y;
    }

    public static double Silu(double v) => v / (1 + Math.Exp(-v));

    public static Map Silu(Map x)
    {
        var y = x.Copy();
        for (int i = 0; i < y.Data.Length; i++)
            y.Data[i] = Silu(y.Data[i]);
        return y;
    }

    /// <summary>GELU with the exact error function (erf by its Maclaurin series and a continued fraction, 1e-12
    /// accurate).</summary>
    public static double Gelu(double v) => 0.5 * v * (1 + Erf(v / Math.Sqrt(2)));

    public static double Erf(double x)
    {
        if (Math.Abs(x) < 2.5)
        {
            double sum = 0,
                term = x;
            for (int n = 0; n < 100; n++)
            {
                sum += term / (2 * n + 1);
                term *= -x * x / (n + 1);
            }
            return 2 / Math.Sqrt(Math.PI) * sum;
        }
        // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))) for |x| >= 2.5
        double ax = Math.Abs(x),
            fraction = 0;
        for (int k = 60; k >= 1; k--)
            fraction = k / 2.0 / (ax + fraction);
        double erfc = Math.Exp(-ax * ax) / Math.Sqrt(Math.PI) / (ax + fraction);
        return Math.Sign(x) * (1 - erfc);
    }

    public static Map Add(Map a, Map b)
    {
        var y = a.Copy();
        for (int i = 0; i < y.Data.Length; i++)
            y.Data[i] += b.Data[i];
        return y;
    }

    public static Map Concat(Map a, Map b)
    {
        var y = new Map(a.C + b.C, a.H, a.W);
        a.Data.CopyTo(y.Data, 0);
        b.Data.CopyTo(y.Data, a.Data.Length);
        return y;
    }

    /// <summary>Nearest-neighbour resize as PyTorch's "nearest": source index floor(dst * in / out).</summary>
    public static Map Nearest(Map x, int outH, int outW)
    {
        var y = new Map(x.C, outH, outW);
        for (int c = 0; c < x.C; c++)
        for (int i = 0; i < outH; i++)
        for (int j = 0; j < outW; j++)
            y[c, i, j] = x[c, (int)Math.Floor(i * (double)x.H / outH), (int)Math.Floor(j * (double)x.W / outW)];
        return y;
    }

    /// <summary>[N, in] x W[out, in]^T + b.</summary>
    public static double[,] Linear(double[,] x, double[] weight, double[]? bias, int outF)
    {
        int n = x.GetLength(0),
            inF = x.GetLength(1);
        var y = new double[n, outF];
        for (int r = 0; r < n; r++)
        for (int o = 0; o < outF; o++)
        {
            double sum = bias?[o] ?? 0;
            for (int i = 0; i < inF; i++)
                sum += x[r, i] * weight[o * inF + i];
            y[r, o] = sum;
        }
        return y;
    }

    public static double[] Linear(double[] x, double[] weight, double[] bias, int outF)
    {
        var m = new double[1, x.Length];
        for (int i = 0; i < x.Length; i++)
            m[0, i] = x[i];
        var y = Linear(m, weight, bias, outF);
        return Enumerable.Range(0, outF).Select(o => y[0, o]).ToArray();
    }

    public static double[,] LayerNorm(double[,] x, double[] gamma, double[] beta, double eps)
    {
        int n = x.GetLength(0),
            d = x.GetLength(1);
        var y = new double[n, d];
        for (int r = 0; r < n; r++)
        {
            double mean = 0,
                sq = 0;
            for (int i = 0; i < d; i++)
                mean += x[r, i];
            mean /= d;
            for (int i = 0; i < d; i++)
                sq += Math.Pow(x[r, i] - mean, 2);
            double inv = 1 / Math.Sqrt(sq / d + eps);
            for (int i = 0; i < d; i++)
                y[r, i] = (x[r, i] - mean) * inv * gamma[i] + beta[i];
        }
        return y;
    }

    /// <summary>Multi-head scaled dot-product attention: per head, softmax(q k^T / sqrt(d_head)) v.</summary>
    public static double[,] Attention(double[,] q, double[,] k, double[,] v, int heads)
    {
        int n = q.GetLength(0),
            m = k.GetLength(0),
            d = q.GetLength(1),
            dh = d / heads;
        var y = new double[n, d];
        for (int h = 0; h < heads; h++)
        for (int i = 0; i < n; i++)
        {
            var scores = new double[m];
            for (int j = 0; j < m; j++)
            {
                double s = 0;
                for (int e = 0; e < dh; e++)
                    s += q[i, h * dh + e] * k[j, h * dh + e];
                scores[j] = s / Math.Sqrt(dh);
            }
            double max = scores.Max(),
                total = 0;
            for (int j = 0; j < m; j++)
                total += scores[j] = Math.Exp(scores[j] - max);
            for (int e = 0; e < dh; e++)
            {
                double s = 0;
                for (int j = 0; j < m; j++)
                    s += scores[j] / total * v[j, h * dh + e];
                y[i, h * dh + e] = s;
            }
        }
        return y;
    }

    /// <summary>[C, H, W] to [H*W, C] tokens (row-major positions) and back.</summary>
    public static double[,] ToTokens(Map x)
    {
        var t = new double[x.H * x.W, x.C];
        for (int c = 0; c < x.C; c++)
        for (int i = 0; i < x.H; i++)
        for (int j = 0; j < x.W; j++)
            t[i * x.W + j, c] = x[c, i, j];
        return t;
    }

    public static Map FromTokens(double[,] t, int h, int w)
    {
        var x = new Map(t.GetLength(1), h, w);
        for (int c = 0; c < x.C; c++)
        for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++)
            x[c, i, j] = t[i * w + j, c];
        return x;
    }

    public static double[,] Add(double[,] a, double[,] b)
    {
        var y = (double[,])a.Clone();
        for (int i = 0; i < a.GetLength(0); i++)
        for (int j = 0; j < a.GetLength(1); j++)
            y[i, j] += b[i, j];
        return y;
    }
}
