using Rece.Orchestration.Jobs;
using Rece.Orchestration.Requests;

namespace Rece.Orchestration.Planning;

/// <summary>
/// What an evaluation fans out: one GPU job per (checkpoint, suite, shard); checkpoints = the original model (once per
/// instance), and each run's UCE checkpoint (epoch 0) and RECE epochs. A fixed order, so replays schedule the same
/// jobs.
/// </summary>
public sealed record EvaluationPlan(EvaluationSection Section, IReadOnlyList<EvaluationCheckpoint> Checkpoints)
{
    public static readonly EvaluationCheckpoint BaselineCheckpoint = new(EvaluationLayout.Baseline, null, null);

    public IReadOnlyList<SuiteSlice> Suites => Section.Suites;

    public int ShardsPerCheckpoint => Suites.Sum(s => s.Shards);

    public int ShardJobs => Checkpoints.Count * ShardsPerCheckpoint;

    /// <summary>The concepts the request erases (every run's), for the metrics that score them.</summary>
    public IReadOnlyList<string> Erased { get; init; } = Array.Empty<string>();

    public static EvaluationPlan Create(ErasurePlan plan, EvaluationSection section)
    {
        var checkpoints = new List<EvaluationCheckpoint> { BaselineCheckpoint };
        foreach (var run in plan.Runs)
        {
            for (int epoch = 0; epoch <= run.Settings.EffectiveEpochs; epoch++)
                checkpoints.Add(CheckpointOf(run.Run, epoch));
        }
        return new EvaluationPlan(section, checkpoints)
        {
            Erased = plan.Runs.Count == 0 ? Array.Empty<string>() : plan.Runs[0].Settings.Concepts,
        };
    }

    public static EvaluationCheckpoint CheckpointOf(string run, int epoch) =>
        new(EvaluationLayout.CheckpointName(run, epoch), run, epoch);

    /// <summary>The shard jobs of one checkpoint: each suite in order, shards 1..N.</summary>
    public IReadOnlyList<ShardPlan> ShardsOf(EvaluationCheckpoint checkpoint) =>
        Suites
            .SelectMany(suite =>
                Enumerable.Range(1, suite.Shards).Select(shard => new ShardPlan(checkpoint, suite, shard))
            )
            .ToList();

    /// <summary>The job message of a shard's attempt.</summary>
    /// <param name="createdTime">Fixed once per shard (the same for every attempt), so every attempt writes the same
    /// report.</param>
    public EvaluationShardJob Job(string instanceId, string model, ShardPlan shard, int attempt, DateTime createdTime)
    {
        var checkpoint = shard.Checkpoint;
        return new EvaluationShardJob
        {
            JobId = EvaluationShardJob.IdOf(instanceId, checkpoint.Name, shard.Suite.Suite, shard.Shard),
            InstanceId = instanceId,
            Attempt = attempt,
            EventName = EvaluationShardJob.EventNameOf(checkpoint.Name, shard.Suite.Suite, shard.Shard, attempt),
            Model = model,
            Checkpoint = checkpoint.Name,
            CheckpointPath = checkpoint.IsBaseline
                ? null
                : CheckpointLayout.EpochPrefix(instanceId, checkpoint.Run!, checkpoint.Epoch!.Value),
            Suite = shard.Suite.Suite,
            Limit = shard.Suite.Limit,
            Shard = shard.Shard,
            Shards = shard.Suite.Shards,
            NudeNet = Section.NudeNet,
            Clip = Section.Clip,
            Classifier = Section.Classifier,
            Q16 = Section.Q16,
            AttackStages = Section.AttackStages,
            AttackIterations = Section.AttackIterations,
            Erased = Erased,
            Generation = Section.Generation,
            Output = EvaluationLayout.ShardPrefix(instanceId, checkpoint.Name, shard.Suite.Suite, shard.Shard),
            CreatedTime = createdTime,
        };
    }
}
