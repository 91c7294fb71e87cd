namespace Rece.Generation;

/// <summary>Seconds spent on one image; in a batch each image is charged an equal share.</summary>
public sealed record ImageTimings(double TextEncoder, double Denoise, double Decode, int ModelCalls)
{
    public double Total => TextEncoder + Denoise + Decode;

    public double PerModelCall => ModelCalls > 0 ? Denoise / ModelCalls : 0;
}
