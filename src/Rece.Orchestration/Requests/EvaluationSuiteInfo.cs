namespace Rece.Orchestration.Requests;

/// <summary>A suite as the orchestration knows it: which metrics it computes and how many prompts it has.</summary>
public sealed record EvaluationSuiteInfo(string Name, bool NudeNet, bool ClipScore, int Cases);
