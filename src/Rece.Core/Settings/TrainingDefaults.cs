namespace Rece.Core.Settings;

/// <summary>The defaults of the trained methods that both `rece erase` and the pipeline's requests apply, and the
/// limits both check.</summary>
public static class TrainingDefaults
{
    /// <summary>Few-shot unlearning's epochs (its public code's).</summary>
    public const int FewShotEpochs = 5;

    /// <summary>All but One's optimizer steps (ESD-x's, its closest public relative).</summary>
    public const int AllButOneSteps = 1000;

    public const int MaxSteps = 1_000_000;

    /// <summary>All but One's generated images of the concept.</summary>
    public const int AllButOneSamples = 4;

    public const int MaxSamples = 64;

    /// <summary>The pipeline's evaluated checkpoints of an All but One run: its steps split into this many
    /// parts.</summary>
    public const int AllButOneCheckpoints = 5;

    /// <summary>The largest training image size in pixels.</summary>
    public const int MaxSize = 2048;
}
