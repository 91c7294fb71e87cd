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
    double Regularizer,
    Derivation Derivation = Derivation.RegZero,
    PreserveMode PreserveMode = PreserveMode.Weighted,
    double? NullSpaceThreshold = null,
    SpeedSettings? Speed = null
)
{
    public static ReportParameters From(ReceParameters p, int preserveTexts, SpeedSettings? speed = null)
    {
        var uce = p.UceScales(preserveTexts);
        return new ReportParameters(
            p.Method,
            p.EffectiveEpochs,
            uce.Lambda,
            uce.EraseScale,
            uce.PreserveScale,
            p.Lambda,
            p.EraseScale,
            p.PreserveScale,
            p.Regularizer,
            p.Derivation,
            p.PreserveMode,
            p.PreserveMode == PreserveMode.NullSpace ? p.NullSpaceThreshold : null,
            speed
        );
    }
}
