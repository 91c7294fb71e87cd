using Rece.Engine;

namespace Rece.Erasure;

public sealed record ReportParameters(
    ErasureMethod Method,
    int Epochs,
    double UceLambda,
    double UceEraseScale,
    double UcePreserveScale,
    double Lambda,
    double EraseScale,
    double PreserveScale,
    double Regularizer)
{
    public static ReportParameters From(ReceParameters p, int preserveTexts)
    {
        var uce = p.UceScales(preserveTexts);
        return new ReportParameters(p.Method, p.EffectiveEpochs, uce.Lambda, uce.EraseScale, uce.PreserveScale, p.Lambda, p.EraseScale, p.PreserveScale, p.Regularizer);
    }
}
