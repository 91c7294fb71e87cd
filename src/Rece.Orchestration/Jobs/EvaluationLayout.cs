using System.Globalization;

namespace Rece.Orchestration.Jobs;

/// <summary>
/// Blob names of an instance's evaluation, under reports/{instance}/:
/// evaluation/{checkpoint}/{suite}/shard-{i}/ (a shard's report.json, images/, and shard.json, its commit marker),
/// evaluation/{checkpoint}/{suite}/report.json (the shards merged), evaluation/{run}/choice.json (a run's checkpoint
/// choice, the fan-in's commit marker) and {run}.html (baseline vs the chosen checkpoint). A checkpoint is "baseline"
/// (the original model) or "{run}/epoch-{k}", as its folder under checkpoints/{instance}/.
/// </summary>
public static class EvaluationLayout
{
    public const string Container = "reports";

    public const string Baseline = "baseline";

    public const string ShardReport = "report.json";

    /// <summary>Written last: a shard folder without it is not done.</summary>
    public const string ShardMarker = "shard.json";

    public const string Choice = "choice.json";

    public static string CheckpointName(string run, int epoch) =>
        string.Create(CultureInfo.InvariantCulture, $"{run}/epoch-{epoch}");

    /// <summary>"reports/{instance}/" (container/prefix).</summary>
    public static string InstancePrefix(string instanceId) => $"{Container}/{instanceId}/";

    /// <summary>"reports/{instance}/evaluation/{checkpoint}/{suite}/" (container/prefix).</summary>
    public static string SuitePrefix(string instanceId, string checkpoint, string suite) =>
        $"{Container}/{instanceId}/evaluation/{checkpoint}/{suite}/";

    /// <summary>"reports/{instance}/evaluation/{checkpoint}/{suite}/shard-{i}/" (container/prefix), i 1-based as
    /// `--shard I/N`.</summary>
    public static string ShardPrefix(string instanceId, string checkpoint, string suite, int shard) =>
        string.Create(CultureInfo.InvariantCulture, $"{SuitePrefix(instanceId, checkpoint, suite)}shard-{shard}/");

    /// <summary>The shards of one checkpoint and suite merged:
    /// "reports/{instance}/evaluation/{checkpoint}/{suite}/report.json".</summary>
    public static string MergedReport(string instanceId, string checkpoint, string suite) =>
        SuitePrefix(instanceId, checkpoint, suite) + ShardReport;

    public static string ChoicePath(string instanceId, string run) =>
        $"{Container}/{instanceId}/evaluation/{run}/{Choice}";

    /// <summary>"reports/{instance}/{run}.html" for the erasure suite, "reports/{instance}/{run}.{suite}.html" for the
    /// preservation suite.</summary>
    public static string HtmlPath(string instanceId, string run, string? preservationSuite = null) =>
        preservationSuite is null
            ? $"{Container}/{instanceId}/{run}.html"
            : $"{Container}/{instanceId}/{run}.{preservationSuite}.html";
}
