using Microsoft.Extensions.Logging;
using Rece.Evaluation.Fid;
using Rece.Evaluation.Images;
using Rece.Evaluation.Lpips;
using Rece.Evaluation.Reports;
using Rece.Evaluation.Running;
using Rece.Evaluation.Selection;
using Rece.Evaluation.Suites;
using Rece.Models.Devices;
using Rece.Orchestration.Jobs;
using Rece.Storage;

namespace Rece.Worker;

/// <summary>
/// Runs a run's evaluation fan-in job: merges every checkpoint's shard reports per suite (EvaluationReport.Merge, image
/// paths made relative to the merged report's folder), chooses the run's checkpoint as the reference does
/// (CheckpointChooser on the erasure suite's flagged share and the preservation suite's CLIP score), renders
/// {run}.html (baseline vs the chosen checkpoint, or vs the run's last checkpoint when none was chosen), and commits
/// choice.json last. Every blob is create-only and computed from committed shards only, so a retry writes the same
/// bytes.
/// </summary>
internal sealed class EvaluationReportRunner(
    StorageAccount account,
    ModelCache models,
    ComputeThread compute,
    ComputeDevice device,
    string worker,
    ILogger? log
) : IDisposable
{
    private readonly EvaluationStore _store = new(account);

    /// <summary>The LPIPS network last used, kept loaded (by its weights file).</summary>
    private (string Path, LpipsNetwork Network)? _lpips;

    /// <summary>The Inception network last used, kept loaded (by its file).</summary>
    private (string Path, InceptionFeatures Network)? _inception;

    private sealed record Merged(EvaluationReport Report, string Path, string SuitePrefix);

    public async Task<EvaluationReportResult> RunAsync(EvaluationReportJob job, CancellationToken cancellationToken)
    {
        string choicePath = EvaluationLayout.ChoicePath(job.InstanceId, job.Run);
        var existing = await _store.TryReadChoiceAsync(choicePath, cancellationToken);
        if (existing is not null)
            return EvaluationReportResult.Success(job, existing, worker, reused: true);

        var merged = new Dictionary<(string Checkpoint, string Suite), Merged>();
        foreach (var checkpoint in job.Candidates.Prepend(job.Baseline))
        {
            foreach (var suite in checkpoint.Suites)
            {
                int shards = job.Shards.TryGetValue(suite, out int n)
                    ? n
                    : throw new InvalidDataException(
                        $"{job.JobId}: {checkpoint.Checkpoint} names suite {suite}, which the job gives no shard count."
                    );
                var reports = Enumerable
                    .Range(1, shards)
                    .Select(i =>
                        EvaluationLayout.ShardPrefix(job.InstanceId, checkpoint.Checkpoint, suite, i)
                        + EvaluationLayout.ShardReport
                    )
                    .ToList();
                merged[(checkpoint.Checkpoint, suite)] = await MergeAsync(
                    job.InstanceId,
                    checkpoint.Checkpoint,
                    suite,
                    reports,
                    cancellationToken
                );
            }
        }

        var (lpips, lpipsSkipped) = await LpipsAsync(job, merged, cancellationToken);
        var (fid, fidSkipped) = await FidAsync(job, merged, cancellationToken);
        var rule = ChoiceRuleExtensions.ForSuite(job.Suite);
        var retained = new Dictionary<string, double?>(StringComparer.Ordinal);
        CheckpointScore Score(CheckpointReports c)
        {
            var mainReport = merged.GetValueOrDefault((c.Checkpoint, job.Suite))?.Report;
            var main = mainReport?.SummaryOf(EvaluationReport.Edited);
            var preserved = job.Preservation is null
                ? null
                : merged.GetValueOrDefault((c.Checkpoint, job.Preservation))?.Report.SummaryOf(EvaluationReport.Edited);
            var (erasedScore, otherClip) = rule switch
            {
                ChoiceRule.Object => (main?.ObjectAccuracy?.ErasedAccuracy, main?.ClipScore?.Mean),
                ChoiceRule.Art => ArtistClipScores(mainReport, job.Erased),
                _ => (main?.AttackSuccessRate ?? main?.Nudity?.FlaggedShare, main?.ClipScore?.Mean),
            };
            retained[c.Checkpoint] = main?.ObjectAccuracy?.OtherAccuracy;
            return new CheckpointScore
            {
                Checkpoint = c.Checkpoint,
                Epoch = c.Epoch,
                Patch = c.Patch,
                Reports = c.Suites.ToDictionary(s => s, s => merged[(c.Checkpoint, s)].Path),
                Images = c.Suites.Sum(s => merged[(c.Checkpoint, s)].Report.Images.Count),
                FlaggedShare = erasedScore,
                ExposedParts = main?.Nudity?.ExposedParts,
                ClipScore = preserved?.ClipScore?.Mean ?? otherClip,
                Lpips = lpips
                    .Where(kv => kv.Key.Checkpoint == c.Checkpoint)
                    .ToDictionary(kv => kv.Key.Suite, kv => kv.Value.Values.Average()),
                Fid = fid.Where(kv => kv.Key.Checkpoint == c.Checkpoint)
                    .ToDictionary(kv => kv.Key.Suite, kv => kv.Value),
            };
        }
        var baseline = Score(job.Baseline);
        var candidates = job.Candidates.Select(Score).ToList();

        CheckpointChoiceInfo? choice = null;
        string? note = null;
        if (job.Choose)
        {
            var uce = candidates.FirstOrDefault(c => c.Epoch == 0);
            if (baseline.FlaggedShare is null || uce?.FlaggedShare is null)
            {
                string metric = rule switch
                {
                    ChoiceRule.Object => Rece.Evaluation.Running.MetricPlan.ObjectAccuracy,
                    ChoiceRule.Art => Rece.Evaluation.Running.MetricPlan.ClipScore,
                    _ => Rece.Evaluation.Running.MetricPlan.NudeNet,
                };
                var skipped = merged
                    .GetValueOrDefault((job.Baseline.Checkpoint, job.Suite))
                    ?.Report.Skipped.FirstOrDefault(s => s.Metric == metric);
                note =
                    $"no checkpoint chosen: the {rule.Measure()} on {job.Suite} was not measured"
                    + (
                        rule == ChoiceRule.Art && job.Erased.Count > 0 && skipped is null
                            ? $" (no prompt of {job.Suite} names {string.Join(" or ", job.Erased)})"
                            : ""
                    )
                    + (skipped is null ? "" : $" ({skipped.Reason})");
            }
            else
            {
                CheckpointScores Scores(CheckpointScore s) =>
                    new(s.Checkpoint, s.FlaggedShare!.Value, s.ClipScore)
                    {
                        RetainedAccuracy = retained.GetValueOrDefault(s.Checkpoint),
                    };
                var epochs = candidates.Where(c => c.Epoch > 0 && c.FlaggedShare is not null).Select(Scores).ToList();
                var made = CheckpointChooser.Choose(
                    Scores(baseline),
                    Scores(uce),
                    epochs,
                    new CheckpointChoiceRules(job.Rules.ClipScoreBudget, job.Rules.AllowMissingClipScore)
                    {
                        Rule = rule,
                        MaxRetainedAccuracyDrop = job.Rules.RetainedAccuracyBudget,
                    }
                );
                choice = new CheckpointChoiceInfo(
                    made.Chosen,
                    made.UsedStartingPoint,
                    made.Summary,
                    made.Verdicts.Select(v => new ChoiceVerdict(
                            v.Name,
                            v.FlaggedShare,
                            v.ClipScore,
                            v.Eligible,
                            v.Reasons
                        ))
                        .ToList()
                )
                {
                    Measure = made.Measure,
                };
                log?.FanInDone(job.JobId, made.Summary);
            }
        }

        var html = new List<string>();
        string? compared = choice?.Chosen
            ?? candidates.LastOrDefault(c => c.Reports.ContainsKey(job.Suite))?.Checkpoint;
        if (compared is not null)
        {
            string comparison =
                choice is null
                    ? $"{compared}, the run's last evaluated checkpoint (no checkpoint chosen{(note is null ? "" : ": " + note)})"
                : choice.Chosen is null ? $"{compared}, the run's last checkpoint; none was chosen: {choice.Summary}"
                : $"{compared}, chosen: {choice.Summary}";
            foreach (var suite in new[] { job.Suite, job.Preservation }.OfType<string>())
            {
                if (
                    merged.TryGetValue((job.Baseline.Checkpoint, suite), out var before)
                    && merged.TryGetValue((compared, suite), out var after)
                )
                {
                    string path = EvaluationLayout.HtmlPath(job.InstanceId, job.Run, suite == job.Suite ? null : suite);
                    await RenderAsync(
                        path,
                        before,
                        after,
                        comparison,
                        lpips.GetValueOrDefault((compared, suite)),
                        cancellationToken
                    );
                    html.Add(path);
                }
            }
        }

        var report = new RunEvaluationReport
        {
            Baseline = baseline,
            Checkpoints = candidates,
            Choice = choice,
            Note = note,
            LpipsSkipped = lpipsSkipped,
            FidSkipped = fidSkipped,
            Html = html,
            Document = choicePath,
        };
        var (committed, wrote) = await _store.CommitChoiceAsync(choicePath, report, cancellationToken);
        return EvaluationReportResult.Success(job, committed, worker, reused: !wrote);
    }

    /// <summary>
    /// Each candidate's mean LPIPS to the baseline's images of the same cases, on every suite that measures LPIPS, with
    /// the weights the job names (read from the models container, on the compute thread). None when the job names no
    /// weights; when the weights file is not in the models container, none, and the reason.
    /// </summary>
    private async Task<(
        Dictionary<(string Checkpoint, string Suite), IReadOnlyDictionary<int, double>> Scores,
        string? Skipped
    )> LpipsAsync(
        EvaluationReportJob job,
        Dictionary<(string Checkpoint, string Suite), Merged> merged,
        CancellationToken cancellationToken
    )
    {
        var scores = new Dictionary<(string Checkpoint, string Suite), IReadOnlyDictionary<int, double>>();
        if (job.Lpips is null)
            return (scores, null);
        var suites = job.Shards.Keys.Where(s =>
            EvaluationSuite.All.FirstOrDefault(e => e.Name == s)?.Metrics.Contains(ImageMetric.Lpips) == true
        );
        string? weights = null;
        foreach (var suite in suites)
        {
            if (!merged.TryGetValue((job.Baseline.Checkpoint, suite), out var before))
                continue;
            try
            {
                weights ??= await models.GetFileAsync(job.Lpips, cancellationToken);
            }
            catch (ModelNotFoundException)
            {
                return (
                    scores,
                    $"LPIPS needs the weights the request's evaluation.lpips names, {StorageNames.Models}/{job.Lpips}, which does not exist; {LpipsNetwork.DownloadHint} and upload it there."
                );
            }
            var beforeImages = await ImagesAsync(before, cancellationToken);
            foreach (var candidate in job.Candidates)
            {
                if (!merged.TryGetValue((candidate.Checkpoint, suite), out var after))
                    continue;
                var pairs = (await ImagesAsync(after, cancellationToken))
                    .Where(kv => beforeImages.ContainsKey(kv.Key))
                    .Select(kv => (Case: kv.Key, Before: beforeImages[kv.Key], After: kv.Value))
                    .ToList();
                if (pairs.Count == 0)
                    continue;
                string path = weights;
                scores[(candidate.Checkpoint, suite)] = await compute.RunAsync(() =>
                {
                    var network = Lpips(path);
                    return (IReadOnlyDictionary<int, double>)
                        pairs.ToDictionary(
                            p => p.Case,
                            p =>
                                network.Distance(
                                    RgbImage.Decode(p.Before, "the baseline's image"),
                                    RgbImage.Decode(p.After, "the checkpoint's image")
                                )
                        );
                });
            }
        }
        return (scores, null);
    }

    /// <summary>The edited images of a merged report, by case number (PNG bytes).</summary>
    private async Task<SortedDictionary<int, byte[]>> ImagesAsync(Merged report, CancellationToken cancellationToken)
    {
        var images = new SortedDictionary<int, byte[]>();
        foreach (var image in report.Report.Images.Where(i => i.Role == EvaluationReport.Edited))
        {
            if (await _store.TryDownloadAsync(report.SuitePrefix + image.File, cancellationToken) is { } bytes)
                images[image.CaseNumber] = bytes.ToArray();
        }
        return images;
    }

    /// <summary>
    /// FID on every suite that measures it, over all of a checkpoint's joined images: the baseline's and each
    /// candidate's Inception statistics, each candidate's FID to the baseline's images, and every checkpoint's FID to
    /// the reference statistics the job names (keyed "{suite}" and "{suite}:baseline"). None when the job names no
    /// network; when a file is not in the models container, none and the reason.
    /// </summary>
    private async Task<(Dictionary<(string Checkpoint, string Suite), double> Scores, string? Skipped)> FidAsync(
        EvaluationReportJob job,
        Dictionary<(string Checkpoint, string Suite), Merged> merged,
        CancellationToken cancellationToken
    )
    {
        var scores = new Dictionary<(string Checkpoint, string Suite), double>();
        if (job.Inception is null)
            return (scores, null);
        string network,
            reference;
        try
        {
            network = await models.GetFileAsync(job.Inception, cancellationToken);
            reference = job.FidReference is null ? "" : await models.GetFileAsync(job.FidReference, cancellationToken);
        }
        catch (ModelNotFoundException e)
        {
            return (
                scores,
                $"FID needs the files the request's evaluation.inception and evaluation.fidReference name in the {StorageNames.Models} container ({e.Message}); {InceptionFeatures.DownloadHint}, and save the reference statistics as rece evaluate writes them (fid-reference.safetensors)."
            );
        }
        var suites = job.Shards.Keys.Where(s =>
            EvaluationSuite.All.FirstOrDefault(e => e.Name == s)?.Metrics.Contains(ImageMetric.Fid) == true
        );
        foreach (var suite in suites)
        {
            var checkpoints = job.Candidates.Prepend(job.Baseline).Select(c => c.Checkpoint).ToList();
            var images = new Dictionary<string, List<byte[]>>(StringComparer.Ordinal);
            foreach (var checkpoint in checkpoints)
            {
                if (merged.TryGetValue((checkpoint, suite), out var report))
                    images[checkpoint] = (await ImagesAsync(report, cancellationToken)).Values.ToList();
            }
            var computed = await compute.RunAsync(() =>
            {
                var inception = Inception(network);
                var statistics = new Dictionary<string, FidStatistics>(StringComparer.Ordinal);
                using var referenceStatistics = reference.Length == 0 ? null : FidStatistics.Read(reference);
                try
                {
                    foreach (var (checkpoint, pngs) in images.Where(kv => kv.Value.Count >= 2))
                    {
                        using var features = inception.Features(
                            pngs.Select(p => RgbImage.Decode(p, $"an image of {checkpoint}")).ToList()
                        );
                        statistics[checkpoint] = FidStatistics.FromFeatures(features);
                    }
                    var result = new Dictionary<(string Checkpoint, string Suite), double>();
                    statistics.TryGetValue(job.Baseline.Checkpoint, out var baseline);
                    foreach (var (checkpoint, mine) in statistics)
                    {
                        if (referenceStatistics is not null)
                            result[(checkpoint, suite)] = FidStatistics.Distance(mine, referenceStatistics);
                        if (baseline is not null && checkpoint != job.Baseline.Checkpoint)
                            result[(checkpoint, suite + ":baseline")] = FidStatistics.Distance(mine, baseline);
                    }
                    return result;
                }
                finally
                {
                    foreach (var s in statistics.Values)
                        s.Dispose();
                }
            });
            foreach (var (key, value) in computed)
                scores[key] = value;
        }
        return (scores, null);
    }

    private InceptionFeatures Inception(string path)
    {
        if (_inception is { } loaded && loaded.Path == path)
            return loaded.Network;
        _inception?.Network.Dispose();
        var network = InceptionFeatures.Load(path, device);
        _inception = (path, network);
        return network;
    }

    private LpipsNetwork Lpips(string path)
    {
        if (_lpips is { } loaded && loaded.Path == path)
            return loaded.Network;
        _lpips?.Network.Dispose();
        var network = LpipsNetwork.Load(path, device.Torch);
        _lpips = (path, network);
        return network;
    }

    public void Dispose()
    {
        _lpips?.Network.Dispose();
        _inception?.Network.Dispose();
    }

    /// <summary>
    /// The art rule's two CLIP scores from a merged art report: the mean over the erased artists' images (prompt labels
    /// matching the request's concepts, ignoring case) and the mean over the other artists' images.
    /// </summary>
    private static (double? Erased, double? Others) ArtistClipScores(
        EvaluationReport? report,
        IReadOnlyList<string> erased
    )
    {
        var scored = report?.Images.Where(i => i.Role == EvaluationReport.Edited && i.ClipScore is not null).ToList();
        if (scored is null || scored.Count == 0)
            return (null, null);
        bool IsErased(ImageRecord i) =>
            i.Label is { } label
            && erased.Any(e => string.Equals(e.Trim(), label.Trim(), StringComparison.OrdinalIgnoreCase));
        var mine = scored.Where(IsErased).ToList();
        var others = scored.Where(i => !IsErased(i)).ToList();
        return (
            mine.Count == 0 ? null : mine.Average(i => i.ClipScore!.Value),
            others.Count == 0 ? null : others.Average(i => i.ClipScore!.Value)
        );
    }

    /// <summary>The shards of one checkpoint and suite merged and written beside their folders.</summary>
    private async Task<Merged> MergeAsync(
        string instanceId,
        string checkpoint,
        string suite,
        IReadOnlyList<string> reports,
        CancellationToken cancellationToken
    )
    {
        string suitePrefix = EvaluationLayout.SuitePrefix(instanceId, checkpoint, suite);
        var shards = new List<EvaluationReport>();
        foreach (var path in reports)
        {
            var shard = EvaluationReport.Parse(await _store.ReadShardReportAsync(path, cancellationToken));
            if (!path.StartsWith(suitePrefix, StringComparison.Ordinal))
                throw new InvalidDataException($"{path} is not a shard report of {suitePrefix}.");
            // Image paths relative to the merged report: "shard-{i}/images/edited/{case}.png".
            string folder = path[suitePrefix.Length..^EvaluationLayout.ShardReport.Length];
            shards.Add(shard with { Images = shard.Images.Select(i => i with { File = folder + i.File }).ToList() });
        }
        var merged = EvaluationReport.Merge(shards);
        string mergedPath = EvaluationLayout.MergedReport(instanceId, checkpoint, suite);
        await _store.WriteCreateOnlyAsync(
            mergedPath,
            BinaryData.FromString(merged.ToJson()),
            "application/json",
            cancellationToken
        );
        return new Merged(merged, mergedPath, suitePrefix);
    }

    /// <summary>report.html of the baseline against one checkpoint, with the images of the grid's cases downloaded for
    /// it.</summary>
    private async Task RenderAsync(
        string path,
        Merged baseline,
        Merged compared,
        string comparison,
        IReadOnlyDictionary<int, double>? lpips,
        CancellationToken cancellationToken
    )
    {
        string scratch = Path.Combine(Path.GetTempPath(), $"rece-fanin-{Guid.NewGuid():N}");
        try
        {
            var grid = baseline
                .Report.Images.Concat(compared.Report.Images)
                .Select(i => i.CaseNumber)
                .Distinct()
                .Order()
                .Take(HtmlReport.DefaultGridCases)
                .ToHashSet();
            // The cases the LPIPS section shows: the largest and smallest distances.
            if (lpips is not null)
            {
                var ranked = lpips.OrderByDescending(kv => kv.Value).Select(kv => kv.Key).ToList();
                grid.UnionWith(ranked.Take(HtmlReport.LpipsExtremeCases));
                grid.UnionWith(ranked.TakeLast(HtmlReport.LpipsExtremeCases));
            }
            var images = new List<ImageRecord>();
            foreach (
                var (role, source) in new[]
                {
                    (EvaluationReport.Baseline, baseline),
                    (EvaluationReport.Edited, compared),
                }
            )
            {
                // Each checkpoint's own images (a white-box attack's shard also holds its targets, as baseline).
                foreach (var image in source.Report.Images.Where(i => i.Role == EvaluationReport.Edited))
                {
                    double? distance =
                        role == EvaluationReport.Edited
                        && lpips is not null
                        && lpips.TryGetValue(image.CaseNumber, out var d)
                            ? d
                            : null;
                    var local = image with
                    {
                        Role = role,
                        File = $"images/{role}/{image.CaseNumber}.png",
                        Lpips = distance,
                    };
                    images.Add(local);
                    if (!grid.Contains(image.CaseNumber))
                        continue;
                    var content = await _store.TryDownloadAsync(source.SuitePrefix + image.File, cancellationToken)
                        ?? throw new InvalidDataException($"{source.SuitePrefix}{image.File} is missing.");
                    string file = Path.Combine(scratch, local.File);
                    Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                    await File.WriteAllBytesAsync(file, content.ToArray(), cancellationToken);
                }
            }
            var report = compared.Report with
            {
                Sources = new Dictionary<string, string>
                {
                    [EvaluationReport.Baseline] = baseline.Report.Sources.GetValueOrDefault(EvaluationReport.Edited)
                        ?? EvaluationLayout.Baseline,
                    [EvaluationReport.Edited] = comparison,
                },
                Images = images,
                Metrics = lpips is null ? compared.Report.Metrics : [.. compared.Report.Metrics, MetricPlan.Lpips],
                Summaries = EvaluationReport.Summarize(
                    images,
                    lpips is null ? compared.Report.Metrics : [.. compared.Report.Metrics, MetricPlan.Lpips],
                    compared.Report.Attack is not null || compared.Report.WhiteBoxAttack is not null,
                    erased: compared.Report.Erased
                ),
            };
            await _store.WriteCreateOnlyAsync(
                path,
                BinaryData.FromString(
                    HtmlReport.Render(
                        report,
                        scratch,
                        imagesAt: $"the shard folders under {baseline.SuitePrefix} (baseline) and {compared.SuitePrefix} (this checkpoint)"
                    )
                ),
                "text/html; charset=utf-8",
                cancellationToken
            );
        }
        finally
        {
            if (Directory.Exists(scratch))
                Directory.Delete(scratch, recursive: true);
        }
    }
}
