using Rece.Evaluation.Images;
using Rece.Evaluation.Lpips;
using Rece.Evaluation.Reports;
using Rece.Evaluation.Running;
using Rece.Evaluation.Suites;
using Rece.Generation;
using Rece.Models.Safetensors;

namespace Rece.Evaluation.Tests;

/// <summary>LPIPS against an independent loop implementation of its definition, its closed-form cases, and the
/// coco and art suites end to end.</summary>
public sealed class LpipsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    private string Weights()
    {
        string path = Path.Combine(_temp.Path, "lpips.safetensors");
        if (!File.Exists(path))
            TestLpipsWeights.Write(path, seed: 3);
        return path;
    }

    private static RgbImage Noise(int size, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[size * size * 3];
        random.NextBytes(pixels);
        return new RgbImage(size, size, pixels);
    }

    [Fact]
    public void IdenticalImagesAreZeroAndTheDistanceIsSymmetric()
    {
        using var lpips = LpipsNetwork.Load(Weights());
        var a = Noise(35, 1);
        var b = Noise(35, 2);
        Assert.Equal(0.0, lpips.Distance(a, a));
        double ab = lpips.Distance(a, b);
        Assert.True(ab > 0);
        Assert.Equal(ab, lpips.Distance(b, a), 12);
        Assert.Throws<EvaluationInputException>(() => lpips.Distance(a, Noise(36, 1)));
    }

    [Fact]
    public void MatchesALoopImplementationOfTheDefinition()
    {
        using var lpips = LpipsNetwork.Load(Weights());
        var a = Noise(35, 5);
        var b = Noise(35, 6);
        Assert.Equal(Reference(Weights(), a, b), lpips.Distance(a, b), 5);
    }

    /// <summary>LPIPS v0.1 written out with loops in double precision.</summary>
    private static double Reference(string path, RgbImage first, RgbImage second)
    {
        using var file = SafetensorsFile.Open(path);
        float[] Read(string name) => file.ReadSingles(file[name]);
        double[] shift = [-0.030, -0.088, -0.188];
        double[] scale = [0.458, 0.448, 0.450];
        double[,,] Input(RgbImage image)
        {
            var x = new double[3, image.Height, image.Width];
            for (int c = 0; c < 3; c++)
            for (int y = 0; y < image.Height; y++)
            for (int i = 0; i < image.Width; i++)
                x[c, y, i] = (image[i, y, c] / 127.5 - 1 - shift[c]) / scale[c];
            return x;
        }
        double[,,] Conv(double[,,] x, string name, int stride, int pad)
        {
            var shape = file[name + ".weight"].Shape;
            int outC = (int)shape[0],
                inC = (int)shape[1],
                k = (int)shape[2];
            var w = Read(name + ".weight");
            var bias = Read(name + ".bias");
            int h = x.GetLength(1),
                width = x.GetLength(2);
            int oh = (h + 2 * pad - k) / stride + 1,
                ow = (width + 2 * pad - k) / stride + 1;
            var y = new double[outC, oh, ow];
            for (int o = 0; o < outC; o++)
            for (int r = 0; r < oh; r++)
            for (int c = 0; c < ow; c++)
            {
                double sum = bias[o];
                for (int i = 0; i < inC; i++)
                for (int u = 0; u < k; u++)
                for (int v = 0; v < k; v++)
                {
                    int yy = r * stride - pad + u,
                        xx = c * stride - pad + v;
                    if (yy >= 0 && yy < h && xx >= 0 && xx < width)
                        sum += w[((o * inC + i) * k + u) * k + v] * x[i, yy, xx];
                }
                y[o, r, c] = Math.Max(0, sum);
            }
            return y;
        }
        double[,,] Pool(double[,,] x)
        {
            int ch = x.GetLength(0),
                oh = (x.GetLength(1) - 3) / 2 + 1,
                ow = (x.GetLength(2) - 3) / 2 + 1;
            var y = new double[ch, oh, ow];
            for (int c = 0; c < ch; c++)
            for (int r = 0; r < oh; r++)
            for (int q = 0; q < ow; q++)
            {
                double best = double.NegativeInfinity;
                for (int u = 0; u < 3; u++)
                for (int v = 0; v < 3; v++)
                    best = Math.Max(best, x[c, r * 2 + u, q * 2 + v]);
                y[c, r, q] = best;
            }
            return y;
        }
        List<double[,,]> Features(RgbImage image)
        {
            var h1 = Conv(Input(image), "features.0", 4, 2);
            var h2 = Conv(Pool(h1), "features.3", 1, 2);
            var h3 = Conv(Pool(h2), "features.6", 1, 1);
            var h4 = Conv(h3, "features.8", 1, 1);
            var h5 = Conv(h4, "features.10", 1, 1);
            return [h1, h2, h3, h4, h5];
        }
        var f0 = Features(first);
        var f1 = Features(second);
        double total = 0;
        for (int l = 0; l < 5; l++)
        {
            var head = Read($"lin{l}.model.1.weight");
            int ch = f0[l].GetLength(0),
                h = f0[l].GetLength(1),
                w = f0[l].GetLength(2);
            double layer = 0;
            for (int r = 0; r < h; r++)
            for (int c = 0; c < w; c++)
            {
                double n0 = 0,
                    n1 = 0;
                for (int k = 0; k < ch; k++)
                {
                    n0 += f0[l][k, r, c] * f0[l][k, r, c];
                    n1 += f1[l][k, r, c] * f1[l][k, r, c];
                }
                n0 = Math.Sqrt(n0) + 1e-10;
                n1 = Math.Sqrt(n1) + 1e-10;
                for (int k = 0; k < ch; k++)
                {
                    double d = f0[l][k, r, c] / n0 - f1[l][k, r, c] / n1;
                    layer += head[k] * d * d;
                }
            }
            total += layer / (h * w);
        }
        return total;
    }

    [Fact]
    public void TheArtSuiteReportsLpipsPerImageAndPerArtist()
    {
        var cases = EvaluationSuite.Art.Cases().Take(22).ToList();
        string Folder(string name, bool edited)
        {
            string folder = Path.Combine(_temp.Path, name);
            Directory.CreateDirectory(folder);
            foreach (var c in cases)
            {
                // The edited model changes only the second artist's (cases 20, 21) images.
                var image = edited && c.CaseNumber >= 20 ? Noise(40, 100 + c.CaseNumber) : Noise(40, c.CaseNumber);
                image.SavePng(Path.Combine(folder, $"{c.CaseNumber}.png"));
            }
            return folder;
        }
        var report = EvaluationJob.Run(
            new EvaluationRequest
            {
                Suite = EvaluationSuite.Art,
                OutputDirectory = Path.Combine(_temp.Path, "out"),
                Selection = new PromptSelection(22),
                LpipsPath = Weights(),
            },
            new ImageFolderSource(Folder("edited", edited: true)),
            new ImageFolderSource(Folder("baseline", edited: false))
        );

        Assert.Contains(MetricPlan.Lpips, report.Metrics);
        var edited = report.Images.Where(i => i.Role == EvaluationReport.Edited).ToList();
        Assert.All(edited.Where(i => i.CaseNumber < 20), i => Assert.Equal(0.0, i.Lpips));
        Assert.All(edited.Where(i => i.CaseNumber >= 20), i => Assert.True(i.Lpips > 0));
        Assert.All(report.Images.Where(i => i.Role == EvaluationReport.Baseline), i => Assert.Null(i.Lpips));
        var summary = report.SummaryOf(EvaluationReport.Edited)!.Lpips!;
        Assert.Equal(edited.Average(i => i.Lpips!.Value), summary.Mean, 12);
        string vanGogh = cases.Single(c => c.CaseNumber == 20).Label!;
        string first = cases.Single(c => c.CaseNumber == 0).Label!;
        Assert.Equal(0.0, summary.PerLabel[first]);
        Assert.True(summary.PerLabel[vanGogh] > 0);
        Assert.Null(report.SummaryOf(EvaluationReport.Baseline)!.Lpips);
        string html = File.ReadAllText(Path.Combine(_temp.Path, "out", EvaluationReport.HtmlFileName));
        Assert.Contains("id=\"lpips-extremes\"", html, StringComparison.Ordinal);
        Assert.Contains("data-metric=\"lpips:" + vanGogh + "\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void LpipsIsSkippedWithoutWeightsOrABaselineAndBadFilesAreRefused()
    {
        Assert.Contains(MetricPlan.Create(EvaluationSuite.Coco, null, null, null, null).Skipped, s =>
            s.Metric == MetricPlan.Lpips && s.Reason.Contains("--lpips FILE")
        );
        Assert.Contains(
            MetricPlan.Create(EvaluationSuite.Coco, null, null, null, null, lpipsPath: Weights()).Skipped,
            s => s.Metric == MetricPlan.Lpips && s.Reason.Contains("--baseline DIR")
        );
        string partial = Path.Combine(_temp.Path, "partial.safetensors");
        using (var one = TorchSharp.torch.ones(1))
            SafetensorsWriter.Write(partial, new[] { TorchTensors.ToWrite("features.0.bias", one) });
        var error = Assert.Throws<EvaluationInputException>(() => LpipsNetwork.Load(partial));
        Assert.Contains("is not LPIPS' AlexNet weights", error.Message, StringComparison.Ordinal);
        Assert.Throws<EvaluationInputException>(() => LpipsNetwork.Load(Path.Combine(_temp.Path, "absent")));
    }

    public void Dispose() => _temp.Dispose();
}
