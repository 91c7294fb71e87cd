using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Rece.Models.Diffusers;
using Rece.Models.Fixtures;
using Rece.Models.Schedulers;

namespace Rece.Generation.Tests;

/// <summary>
/// diffusers' StableDiffusionPipeline runs an old scheduler config with steps_offset 1 and clip_sample false (and
/// warns); so does this one, so such a model gives the images diffusers gives.
/// </summary>
public sealed class OutdatedSchedulerConfigTests : IDisposable
{
    private readonly TempFolder _folder = new("outdated-scheduler");

    private string Model(string name, Action<JsonObject> edit)
    {
        string root = Path.Combine(_folder.Path, name);
        RandomModelFixture.Write(root, FixtureKind.Tiny, seed: 7);
        string path = Path.Combine(root, "scheduler", DiffusersModel.SchedulerConfigFile);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
        return root;
    }

    [Fact]
    public void StepsOffsetAndClipSampleAreOverriddenWithAWarning()
    {
        var config = new SchedulerConfig
        {
            ClassName = "DDIMScheduler",
            StepsOffset = 0,
            ClipSample = true,
        };
        var warnings = new List<string>();
        var used = config.ForStableDiffusion(warnings.Add);
        Assert.Equal((1, false), (used.StepsOffset, used.ClipSample));
        Assert.Equal(2, warnings.Count);
        Assert.Contains("steps_offset is 0", warnings[0], StringComparison.Ordinal);
        Assert.Contains("clip_sample", warnings[1], StringComparison.Ordinal);

        var current = config with { StepsOffset = 1, ClipSample = false };
        Assert.Equal(current, current.ForStableDiffusion(w => Assert.Fail(w)));
    }

    [Theory]
    [InlineData(SchedulerKind.Ddim)]
    [InlineData(SchedulerKind.Pndm)]
    public void AnOutdatedConfigGivesTheImagesOfTheCurrentOne(SchedulerKind scheduler)
    {
        string outdated = Model("outdated-" + scheduler, json =>
        {
            json["steps_offset"] = 0;
            json["clip_sample"] = true;
        });
        string current = Model("current-" + scheduler, json =>
        {
            json["steps_offset"] = 1;
            json["clip_sample"] = false;
        });
        var log = new FakeLogger();
        using var old = StableDiffusionPipeline.Load(outdated, log: log);
        using var fixedPipeline = StableDiffusionPipeline.Load(current);
        var request = ImageRequest.ForPrompt("a photo of a cat", 42, 7.5, 64, 4, scheduler);

        Assert.Equal(fixedPipeline.Generate(request).Rgb, old.Generate(request).Rgb);
        Assert.Equal(
            2,
            log.Collector.GetSnapshot().Count(r => r.Level == LogLevel.Warning && r.Message.Contains("outdated"))
        );
        Assert.Equal((1, false), (old.SchedulerConfig.StepsOffset, old.SchedulerConfig.ClipSample));
    }

    public void Dispose() => _folder.Dispose();
}
