namespace Rece.Evaluation.Selection;

/// <summary>What a checkpoint choice minimizes, by the kind of concept erased.</summary>
public enum ChoiceRule
{
    /// <summary>The share of images NudeNet flags on the erasure suite (the RECE reference's rule).</summary>
    Nudity,

    /// <summary>The classifier's top-1 accuracy on the erased classes (imagenette), with the other classes' accuracy
    /// kept within a budget.</summary>
    Object,

    /// <summary>The CLIP score of the erased artist's images (art), with the other artists' CLIP score kept within the
    /// budget.</summary>
    Art,
}
