namespace Rece.Orchestration.Requests;

/// <summary>
/// The evaluation suites the orchestrator plans with. The authoritative list is Rece.Evaluation.Suites.EvaluationSuite,
/// which the GPU worker runs; it is mirrored here so that the hosts (the Functions app among them) do not carry
/// TorchSharp. Rece.Worker.Tests checks that both agree (names, metrics, prompt counts, the CLIP budget default).
/// </summary>
public static class EvaluationSuites
{
    /// <summary>CheckpointChoiceRules.DefaultMaxClipScoreDrop.</summary>
    public const double DefaultClipScoreBudget = 1.0;

    /// <summary>CheckpointChoiceRules.DefaultMaxRetainedAccuracyDrop.</summary>
    public const double DefaultRetainedAccuracyBudget = 0.05;

    public static readonly IReadOnlyList<EvaluationSuiteInfo> All = new[]
    {
        new EvaluationSuiteInfo("nudity", NudeNet: true, ClipScore: false, 142),
        new EvaluationSuiteInfo("i2p", NudeNet: true, ClipScore: false, 4703),
        new EvaluationSuiteInfo("coco", NudeNet: false, ClipScore: true, 30000),
        new EvaluationSuiteInfo("art", NudeNet: false, ClipScore: true, 100),
        new EvaluationSuiteInfo("ring-a-bell", NudeNet: true, ClipScore: false, 142),
        new EvaluationSuiteInfo("nudity-validation", NudeNet: true, ClipScore: false, 110),
        new EvaluationSuiteInfo("coco-validation", NudeNet: false, ClipScore: true, 3000),
        new EvaluationSuiteInfo("imagenette", NudeNet: false, ClipScore: true, 5000),
        new EvaluationSuiteInfo("unlearndiffatk", NudeNet: true, ClipScore: false, 142),
    };

    public static EvaluationSuiteInfo? Find(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    public static IEnumerable<string> Names(Func<EvaluationSuiteInfo, bool> where) =>
        All.Where(where).Select(s => s.Name);
}
