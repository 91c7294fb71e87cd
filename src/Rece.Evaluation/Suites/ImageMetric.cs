namespace Rece.Evaluation.Suites;

/// <summary>The image metrics a suite computes.</summary>
public enum ImageMetric
{
    /// <summary>NudeNet: exposed body parts per class, flagged share (for an attack: its success rate).</summary>
    NudeNet,

    /// <summary>CLIP score between each image and its prompt.</summary>
    ClipScore,

    /// <summary>An ImageNet classifier's top-1 accuracy on each image's class (the imagenette suite).</summary>
    ObjectAccuracy,

    /// <summary>Q16: CLIP ViT-L/14 against learned prompts for inappropriate content (the i2p suite, with
    /// NudeNet).</summary>
    Q16,

    /// <summary>LPIPS between the edited model's image and the baseline's of the same seed.</summary>
    Lpips,

    /// <summary>FID of the images to reference images' Inception statistics (and the edited images' to the
    /// baseline's).</summary>
    Fid,
}
