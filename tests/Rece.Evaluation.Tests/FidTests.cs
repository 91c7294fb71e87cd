using Rece.Evaluation.Fid;
using Rece.Evaluation.Images;
using Rece.Evaluation.Reports;
using Rece.Evaluation.Running;
using Rece.Evaluation.Suites;
using Rece.Evaluation.Tests.Onnx;
using Rece.Generation;
using static TorchSharp.torch;

namespace Rece.Evaluation.Tests;

/// <summary>FID: the Fréchet distance against closed forms and scipy, the statistics against numpy, Inception's
/// preprocessing, and the coco suite end to end with a stand-in network whose features are known.</summary>
public sealed class FidTests : IDisposable
{
    private readonly TempFolder _temp = new();

    private static FidStatistics Gaussian(double[] mean, double[,] covariance)
    {
        string path = Path.GetTempFileName();
        try
        {
            using var mu = tensor(mean);
            using var sigma = tensor(covariance);
            Rece.Models.Safetensors.SafetensorsWriter.Write(
                path,
                new[]
                {
                    Rece.Models.Safetensors.TorchTensors.ToWrite(FidStatistics.MeanName, mu),
                    Rece.Models.Safetensors.TorchTensors.ToWrite(FidStatistics.CovarianceName, sigma),
                }
            );
            return FidStatistics.Read(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TheDistanceOfTwoDiagonalGaussiansIsItsClosedForm()
    {
        // ||mu1 - mu2||^2 + sum_i (a_i + b_i - 2 sqrt(a_i b_i)) = 1 + 4 + (1 + 4 - 4) + (9 + 1 - 6) = 10.
        using var first = Gaussian(
            [0, 0],
            new double[,]
            {
                { 1, 0 },
                { 0, 9 },
            }
        );
        using var second = Gaussian(
            [1, 2],
            new double[,]
            {
                { 4, 0 },
                { 0, 1 },
            }
        );
        Assert.Equal(10.0, FidStatistics.Distance(first, second), 10);
        Assert.Equal(0.0, FidStatistics.Distance(first, first), 10);
    }

    [Fact]
    public void TheDistanceOfANonCommutingPairEqualsScipys()
    {
        // scipy.linalg.sqrtm(s1 @ s2) with s = A A^T + 0.1 I, A_ij = sin(seed (i + 1) + 0.7 j), seeds 1.3 and 2.1;
        // mu1_i = cos i, mu2_i = sin(i / 2): 21.850742626382292 (Debian's python3-scipy 1.10.1).
        static double[,] Matrix(double seed)
        {
            var a = new double[5, 5];
            for (int i = 0; i < 5; i++)
            for (int j = 0; j < 5; j++)
                a[i, j] = Math.Sin(seed * (i + 1) + 0.7 * j);
            var s = new double[5, 5];
            for (int i = 0; i < 5; i++)
            for (int j = 0; j < 5; j++)
            {
                for (int k = 0; k < 5; k++)
                    s[i, j] += a[i, k] * a[j, k];
                if (i == j)
                    s[i, j] += 0.1;
            }
            return s;
        }
        using var first = Gaussian(Enumerable.Range(0, 5).Select(i => Math.Cos(i)).ToArray(), Matrix(1.3));
        using var second = Gaussian(Enumerable.Range(0, 5).Select(i => Math.Sin(i * 0.5)).ToArray(), Matrix(2.1));
        Assert.Equal(21.850742626382292, FidStatistics.Distance(first, second), 8);
        Assert.Equal(FidStatistics.Distance(first, second), FidStatistics.Distance(second, first), 8);
    }

    [Fact]
    public void TheStatisticsAreNumpysMeanAndUnbiasedCovariance()
    {
        var x = new double[6, 3];
        for (int i = 0; i < 6; i++)
        for (int j = 0; j < 3; j++)
            x[i, j] = Math.Sin(0.3 * i * j + i) + 0.1 * j;
        using var features = tensor(x);
        using var statistics = FidStatistics.FromFeatures(features);
        double[] mean = [0.02936027495372978, 0.12049312173705762, 0.3751570503753266];
        double[] covariance =
        [
            0.6083847424701151,
            0.3282399134924681,
            -0.08406527098747202,
            0.3282399134924681,
            0.4982914521020595,
            0.341302278219938,
            -0.08406527098747202,
            0.341302278219938,
            0.5606464719902421,
        ];
        Assert.Equal(mean, statistics.Mean.data<double>().ToArray(), new Tolerance(1e-12));
        Assert.Equal(covariance, statistics.Covariance.contiguous().data<double>().ToArray(), new Tolerance(1e-12));
        Assert.Equal(6, statistics.Count);
        string path = Path.Combine(_temp.Path, "stats.safetensors");
        statistics.Write(path);
        using var read = FidStatistics.Read(path);
        Assert.Equal(0.0, FidStatistics.Distance(statistics, read), 12);
        Assert.Equal(6, read.Count);
        Assert.Throws<EvaluationInputException>(() => FidStatistics.FromFeatures(features.narrow(0, 0, 1)));
    }

    private sealed class Tolerance(double epsilon) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= epsilon;

        public int GetHashCode(double obj) => 0;
    }

    [Fact]
    public void PreprocessingHalvesA598ImageByAveragingEach2x2Block()
    {
        // Bilinear with align_corners false at a factor of exactly 2 samples between the two pixels of each pair.
        var pixels = new byte[598 * 598 * 3];
        for (int y = 0; y < 598; y++)
        for (int x = 0; x < 598; x++)
        for (int c = 0; c < 3; c++)
            pixels[3 * (y * 598 + x) + c] = (byte)((x * 3 + y * 5 + c * 40) % 256);
        var planes = InceptionFeatures.Preprocess(new RgbImage(598, 598, pixels));
        Assert.Equal(3 * 299 * 299, planes.Length);
        foreach (var (x, y, c) in new[] { (0, 0, 0), (10, 20, 1), (298, 298, 2), (150, 7, 0) })
        {
            double expected =
                Enumerable.Range(0, 4).Sum(k => (double)pixels[3 * ((2 * y + k / 2) * 598 + 2 * x + k % 2) + c])
                / 4
                / 255;
            Assert.Equal(expected, planes[c * 299 * 299 + y * 299 + x], 5);
        }
    }

    [Fact]
    public void TheCocoSuiteReportsFidToTheReferenceAndToTheBaseline()
    {
        string network = Path.Combine(_temp.Path, "inception.onnx");
        TestInceptionModel.Write(network);
        var cases = EvaluationSuite.Coco.Cases().Take(6).ToList();
        (byte R, byte G, byte B)[] Colours(int offset) =>
            Enumerable
                .Range(0, 6)
                .Select(i => ((byte)(40 * i + offset), (byte)(200 - 30 * (i % 3)), (byte)(60 + offset + 17 * (i % 2))))
                .ToArray();
        string Folder(string name, (byte R, byte G, byte B)[] colours, bool byCase = true)
        {
            string folder = Path.Combine(_temp.Path, name);
            Directory.CreateDirectory(folder);
            for (int i = 0; i < colours.Length; i++)
                RgbImage
                    .Filled(64, 48, colours[i].R, colours[i].G, colours[i].B)
                    .SavePng(Path.Combine(folder, byCase ? $"{cases[i].CaseNumber}.png" : $"real-{i}.jpg.png"));
            return folder;
        }
        var edited = Colours(10);
        var baseline = Colours(0);
        var real = Colours(25).Concat(Colours(5)).ToArray();
        // A uniform image's features are W^T (its colour / 255): the FID the report must give.
        FidStatistics Expected((byte R, byte G, byte B)[] colours)
        {
            var rows = colours
                .SelectMany(c =>
                {
                    double[] rgb = [c.R / 255.0, c.G / 255.0, c.B / 255.0];
                    return Enumerable
                        .Range(0, TestInceptionModel.Dimension)
                        .Select(f =>
                            Enumerable
                                .Range(0, 3)
                                .Sum(k => rgb[k] * TestInceptionModel.Weights[k * TestInceptionModel.Dimension + f])
                        );
                })
                .ToArray();
            using var features = tensor(rows, new long[] { colours.Length, TestInceptionModel.Dimension });
            return FidStatistics.FromFeatures(features);
        }

        string referenceFolder = Folder("real", real, byCase: false);
        var report = EvaluationJob.Run(
            new EvaluationRequest
            {
                Suite = EvaluationSuite.Coco,
                OutputDirectory = Path.Combine(_temp.Path, "out"),
                Selection = new PromptSelection(6),
                InceptionPath = network,
                FidReference = referenceFolder,
            },
            new ImageFolderSource(Folder("edited", edited)),
            new ImageFolderSource(Folder("baseline", baseline))
        );

        using var editedStatistics = Expected(edited);
        using var baselineStatistics = Expected(baseline);
        using var referenceStatistics = Expected(real);
        var fid = report.SummaryOf(EvaluationReport.Edited)!.Fid!;
        Assert.Equal(FidStatistics.Distance(editedStatistics, referenceStatistics), fid.ToReference!.Value, 4);
        Assert.Equal(FidStatistics.Distance(editedStatistics, baselineStatistics), fid.ToBaseline!.Value, 4);
        Assert.Equal(6, fid.Images);
        Assert.Equal(
            FidStatistics.Distance(baselineStatistics, referenceStatistics),
            report.SummaryOf(EvaluationReport.Baseline)!.Fid!.ToReference!.Value,
            4
        );
        // The reference statistics it wrote give the same FID as the folder.
        string written = Path.Combine(_temp.Path, "out", "fid-reference.safetensors");
        var again = EvaluationJob.Run(
            new EvaluationRequest
            {
                Suite = EvaluationSuite.Coco,
                OutputDirectory = Path.Combine(_temp.Path, "out-again"),
                Selection = new PromptSelection(6),
                InceptionPath = network,
                FidReference = written,
            },
            new ImageFolderSource(Path.Combine(_temp.Path, "edited")),
            null
        );
        Assert.Equal(fid.ToReference!.Value, again.SummaryOf(EvaluationReport.Edited)!.Fid!.ToReference!.Value, 8);
        Assert.Null(again.SummaryOf(EvaluationReport.Edited)!.Fid!.ToBaseline);
        string html = File.ReadAllText(Path.Combine(_temp.Path, "out", EvaluationReport.HtmlFileName));
        Assert.Contains("data-metric=\"fid\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void FidIsSkippedWithoutTheNetworkOrAReferenceAndBadPathsAreRefused()
    {
        string network = Path.Combine(_temp.Path, "inception.onnx");
        TestInceptionModel.Write(network);
        Assert.Contains(MetricPlan.Create(EvaluationSuite.Coco, null, null, null, null).Skipped, s =>
            s.Metric == MetricPlan.Fid && s.Reason.Contains("--inception FILE")
        );
        Assert.Contains(
            MetricPlan.Create(EvaluationSuite.Coco, null, null, null, null, inceptionPath: network).Skipped,
            s => s.Metric == MetricPlan.Fid && s.Reason.Contains("--fid-reference")
        );
        Assert.Throws<EvaluationInputException>(() =>
            MetricPlan.Create(
                EvaluationSuite.Coco,
                null,
                null,
                null,
                null,
                inceptionPath: network,
                fidReference: Path.Combine(_temp.Path, "absent")
            )
        );
        Assert.Throws<EvaluationInputException>(() => InceptionFeatures.Load(Path.Combine(_temp.Path, "absent")));
        string notStats = Path.Combine(_temp.Path, "other.safetensors");
        using (var one = ones(2))
            Rece.Models.Safetensors.SafetensorsWriter.Write(
                notStats,
                new[] { Rece.Models.Safetensors.TorchTensors.ToWrite("x", one) }
            );
        Assert.Contains(
            "holds no FID statistics",
            Assert.Throws<EvaluationInputException>(() => FidStatistics.Read(notStats)).Message
        );
    }

    public void Dispose() => _temp.Dispose();
}
