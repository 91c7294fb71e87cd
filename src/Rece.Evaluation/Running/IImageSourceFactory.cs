namespace Rece.Evaluation.Running;

/// <summary>Makes the image source of a model folder (the lead binds this to the sampler).</summary>
public interface IImageSourceFactory
{
    IImageSource ForModel(string modelDirectory);
}
