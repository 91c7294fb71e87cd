using Rece.Models.Safetensors;
using static TorchSharp.torch;

namespace Rece.Evaluation.Fid;

/// <summary>
/// The Gaussian a set of Inception pool features is summarized by for FID: mean and covariance (unbiased, as
/// numpy.cov), in float64, and the Fréchet distance between two such Gaussians
/// ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)), with the trace of the matrix square root taken from the eigenvalues
/// of the symmetric S1^(1/2) S2 S1^(1/2) (the same eigenvalues as S1 S2, without the complex round-off of a general
/// sqrtm).
/// </summary>
public sealed class FidStatistics : IDisposable
{
    public const string MeanName = "mu";
    public const string CovarianceName = "sigma";

    private FidStatistics(Tensor mean, Tensor covariance, long count)
    {
        Mean = mean;
        Covariance = covariance;
        Count = count;
    }

    /// <summary>[D], float64 on the CPU.</summary>
    public Tensor Mean { get; }

    /// <summary>[D, D], float64 on the CPU.</summary>
    public Tensor Covariance { get; }

    /// <summary>How many feature vectors they summarize (0 when read from a file that does not say).</summary>
    public long Count { get; }

    public long Dimension => Mean.shape[0];

    /// <param name="features">[N, D], N at least 2.</param>
    public static FidStatistics FromFeatures(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.ndim != 2 || features.shape[0] < 2)
            throw new EvaluationInputException(
                $"FID needs the features of at least 2 images to estimate a covariance, got [{string.Join(", ", features.shape)}]; evaluate more images."
            );
        using var scope = NewDisposeScope();
        var x = features.to(ScalarType.Float64, CPU);
        var mean = x.mean(new long[] { 0 });
        var centered = x.sub(mean);
        var covariance = centered.t().matmul(centered).div(x.shape[0] - 1);
        return new FidStatistics(mean.MoveToOuterDisposeScope(), covariance.MoveToOuterDisposeScope(), x.shape[0]);
    }

    /// <summary>Statistics saved as safetensors: "mu" [D] and "sigma" [D, D] (pytorch-fid's .npz fields).</summary>
    public static FidStatistics Read(string path)
    {
        try
        {
            using var file = SafetensorsFile.Open(path);
            if (!file.TryGet(MeanName, out var mu) || !file.TryGet(CovarianceName, out var sigma))
                throw new EvaluationInputException(
                    $"{path} holds no FID statistics: it needs \"{MeanName}\" [D] and \"{CovarianceName}\" [D, D] (convert pytorch-fid's .npz with: python -c \"import numpy as np, torch; from safetensors.torch import save_file; f = np.load('stats.npz'); save_file({{'mu': torch.from_numpy(f['mu']), 'sigma': torch.from_numpy(f['sigma'])}}, 'stats.safetensors')\")."
                );
            if (mu.Shape.Length != 1 || !sigma.Shape.SequenceEqual(new[] { mu.Shape[0], mu.Shape[0] }))
                throw new EvaluationInputException(
                    $"{path}: mu is [{string.Join(", ", mu.Shape)}] and sigma [{string.Join(", ", sigma.Shape)}]; FID statistics are mu [D] and sigma [D, D]."
                );
            using var mean = TorchTensors.Read(file, mu);
            using var covariance = TorchTensors.Read(file, sigma);
            long count =
                file.Metadata.TryGetValue("rece.count", out var text)
                && long.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out long n)
                    ? n
                    : 0;
            return new FidStatistics(
                mean.to(ScalarType.Float64).DetachFromDisposeScope(),
                covariance.to(ScalarType.Float64).DetachFromDisposeScope(),
                count
            );
        }
        catch (Rece.Models.ModelFormatException e)
        {
            throw new EvaluationInputException($"{path} is not a readable safetensors file ({e.Message}).");
        }
    }

    public void Write(string path) =>
        SafetensorsWriter.Write(
            path,
            new[] { TorchTensors.ToWrite(MeanName, Mean), TorchTensors.ToWrite(CovarianceName, Covariance) },
            new Dictionary<string, string>
            {
                ["rece.count"] = Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }
        );

    /// <summary>The Fréchet distance between the Gaussians of <paramref name="first"/> and
    /// <paramref name="second"/>.</summary>
    public static double Distance(FidStatistics first, FidStatistics second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.Dimension != second.Dimension)
            throw new EvaluationInputException(
                $"FID compares statistics of one feature width: {first.Dimension} and {second.Dimension}; make both with the same Inception model."
            );
        using var scope = NewDisposeScope();
        var difference = first.Mean.sub(second.Mean);
        double meanTerm = difference.dot(difference).item<double>();
        var root = SymmetricSquareRoot(first.Covariance);
        var inner = root.matmul(second.Covariance).matmul(root);
        inner = inner.add(inner.t()).div(2);
        var eigenvalues = linalg.eigvalsh(inner).clamp_min(0);
        double traceOfRoot = eigenvalues.sqrt().sum().item<double>();
        double trace = first.Covariance.trace().item<double>() + second.Covariance.trace().item<double>();
        return meanTerm + trace - 2 * traceOfRoot;
    }

    /// <summary>The PSD square root of a symmetric PSD matrix (negative round-off eigenvalues taken as 0).</summary>
    private static Tensor SymmetricSquareRoot(Tensor matrix)
    {
        var symmetric = matrix.add(matrix.t()).div(2);
        var (values, vectors) = linalg.eigh(symmetric);
        return vectors.mul(values.clamp_min(0).sqrt().unsqueeze(0)).matmul(vectors.t());
    }

    public void Dispose()
    {
        Mean.Dispose();
        Covariance.Dispose();
    }
}
