using Rece.Orchestration.Requests;

namespace Rece.Orchestration.Planning;

/// <summary>One shard job: a checkpoint, a suite and a 1-based shard of that suite's prompts.</summary>
public sealed record ShardPlan(EvaluationCheckpoint Checkpoint, SuiteSlice Suite, int Shard);
