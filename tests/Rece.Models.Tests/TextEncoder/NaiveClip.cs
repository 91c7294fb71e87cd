using Rece.Models.TextEncoder;

namespace Rece.Models.Tests.TextEncoder;

/// <summary>CLIPTextModel's forward pass written with plain loops in double precision, as the oracle.</summary>
internal static class NaiveClip
{
    public static double[,] Forward(ClipTextConfig c, Dictionary<string, double[]> w, int[] ids)
    {
        int n = ids.Length,
            d = c.HiddenSize,
            heads = c.NumAttentionHeads,
            hd = d / heads,
            ff = c.IntermediateSize;
        var x = new double[n, d];
        for (int t = 0; t < n; t++)
        for (int j = 0; j < d; j++)
            x[t, j] =
                w["text_model.embeddings.token_embedding.weight"][ids[t] * d + j]
                + w["text_model.embeddings.position_embedding.weight"][t * d + j];
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            string p = $"text_model.encoder.layers.{l}.";
            var h = LayerNorm(x, w[p + "layer_norm1.weight"], w[p + "layer_norm1.bias"], c.LayerNormEps);
            var q = Linear(h, w[p + "self_attn.q_proj.weight"], w[p + "self_attn.q_proj.bias"]);
            var k = Linear(h, w[p + "self_attn.k_proj.weight"], w[p + "self_attn.k_proj.bias"]);
            var v = Linear(h, w[p + "self_attn.v_proj.weight"], w[p + "self_attn.v_proj.bias"]);
            var attended = new double[n, d];
            for (int head = 0; head < heads; head++)
            for (int i = 0; i < n; i++)
            {
                var scores = new double[i + 1];
                for (int j = 0; j <= i; j++)
                {
                    double s = 0;
                    for (int e = 0; e < hd; e++)
                        s += q[i, head * hd + e] * k[j, head * hd + e];
                    scores[j] = s / Math.Sqrt(hd);
                }
                double max = scores.Max(),
                    sum = scores.Sum(s => Math.Exp(s - max));
                for (int j = 0; j <= i; j++)
                for (int e = 0; e < hd; e++)
                    attended[i, head * hd + e] += Math.Exp(scores[j] - max) / sum * v[j, head * hd + e];
            }
            Add(x, Linear(attended, w[p + "self_attn.out_proj.weight"], w[p + "self_attn.out_proj.bias"]));
            var m = Linear(
                LayerNorm(x, w[p + "layer_norm2.weight"], w[p + "layer_norm2.bias"], c.LayerNormEps),
                w[p + "mlp.fc1.weight"],
                w[p + "mlp.fc1.bias"]
            );
            for (int i = 0; i < n; i++)
            for (int j = 0; j < ff; j++)
                m[i, j] =
                    c.HiddenAct == "gelu"
                        ? 0.5 * m[i, j] * (1 + Erf(m[i, j] / Math.Sqrt(2)))
                        : m[i, j] / (1 + Math.Exp(-1.702 * m[i, j]));
            Add(x, Linear(m, w[p + "mlp.fc2.weight"], w[p + "mlp.fc2.bias"]));
        }
        return LayerNorm(
            x,
            w["text_model.final_layer_norm.weight"],
            w["text_model.final_layer_norm.bias"],
            c.LayerNormEps
        );
    }

    private static double[,] Linear(double[,] x, double[] weight, double[] bias)
    {
        int n = x.GetLength(0),
            inF = x.GetLength(1),
            outF = bias.Length;
        var y = new double[n, outF];
        for (int i = 0; i < n; i++)
        for (int o = 0; o < outF; o++)
        {
            double s = bias[o];
            for (int k = 0; k < inF; k++)
                s += weight[o * inF + k] * x[i, k];
            y[i, o] = s;
        }
        return y;
    }

    private static double[,] LayerNorm(double[,] x, double[] gamma, double[] beta, double eps)
    {
        int n = x.GetLength(0),
            d = x.GetLength(1);
        var y = new double[n, d];
        for (int i = 0; i < n; i++)
        {
            double mean = 0,
                variance = 0;
            for (int j = 0; j < d; j++)
                mean += x[i, j] / d;
            for (int j = 0; j < d; j++)
                variance += (x[i, j] - mean) * (x[i, j] - mean) / d;
            for (int j = 0; j < d; j++)
                y[i, j] = (x[i, j] - mean) / Math.Sqrt(variance + eps) * gamma[j] + beta[j];
        }
        return y;
    }

    private static void Add(double[,] x, double[,] y)
    {
        for (int i = 0; i < x.GetLength(0); i++)
        for (int j = 0; j < x.GetLength(1); j++)
            x[i, j] += y[i, j];
    }

    /// <summary>erf by its Taylor series (converges fast for the |x| &lt; 4 seen here).</summary>
    private static double Erf(double x)
    {
        if (Math.Abs(x) > 5)
            return Math.Sign(x);
        double term = x,
            sum = x;
        for (int k = 1; k < 200; k++)
        {
            term *= -x * x / k;
            sum += term / (2 * k + 1);
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }
}
