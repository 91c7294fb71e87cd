using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Rece.Storage;
using Rece.Testing;

namespace Rece.Worker.Tests;

/// <summary>`rece worker`'s host: its settings bound (options over environment variables), checked at
/// start-up.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class WorkerHostTests(AzuriteFixture azurite) : IDisposable
{
    private readonly string _scratch = PipelineTestKit.TempFolder("worker-host");

    /// <summary>
    /// Settings as the CLI makes them, without the process's environment: options under their names, variables under
    /// theirs; a later value of the same name replaces an earlier one.
    /// </summary>
    private static IConfiguration Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(
                values
                    .Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))
                    .GroupBy(v => v.Key)
                    .Select(g => g.Last())
            )
            .Build();

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Theory]
    [InlineData(
        "RECE_MODEL_CACHE_MAX_GB",
        "abc",
        "RECE_MODEL_CACHE_MAX_GB must be a positive number of gigabytes, "
            + "got \"abc\": set it to e.g. 50, or unset it for the default of 100"
    )]
    [InlineData("RECE_MODEL_CACHE_MAX_GB", "-5", "RECE_MODEL_CACHE_MAX_GB must be a positive number of gigabytes")]
    [InlineData("RECE_MODEL_CACHE_MAX_GB", "0", "RECE_MODEL_CACHE_MAX_GB must be a positive number")]
    [InlineData(
        "--visibility-timeout",
        "0",
        "--visibility-timeout must be a positive number of seconds, got \"0\" (default 60)"
    )]
    [InlineData("--visibility-timeout", "-3", "--visibility-timeout must be a positive number of seconds")]
    [InlineData("--max-polling-interval", "NaN", "--max-polling-interval must be a positive number of seconds")]
    [InlineData("--max-dequeue", "0", "--max-dequeue must be a whole number of at least 1, got \"0\" (default 5)")]
    [InlineData("--max-jobs", "-1", "--max-jobs must be a whole number of at least 0")]
    [InlineData("--hub", "bad-hub", "--hub (or RECE_TASK_HUB): Task hub name \"bad-hub\" is not valid")]
    [InlineData("RECE_TASK_HUB", "x", "--hub (or RECE_TASK_HUB): Task hub name \"x\" is not valid")]
    public async Task ABadSettingStopsTheHostBeforeItTouchesStorageNamingTheSetting(
        string key,
        string value,
        string message
    )
    {
        string storage = azurite.NewAccount();

        var e = await Assert.ThrowsAsync<WorkerConfigurationException>(() =>
            WorkerHost.BuildAsync(Settings(("--storage", storage), ("--device", "cpu"), (key, value)))
        );

        Assert.Contains(message, e.Message);
        await foreach (var _ in StorageAccount.Parse(storage).Blobs.GetBlobContainersAsync())
            Assert.Fail("nothing may be created");
    }

    [Fact]
    public async Task EveryBadSettingIsNamedOnOneLine()
    {
        var e = await Assert.ThrowsAsync<WorkerConfigurationException>(() =>
            WorkerHost.BuildAsync(
                Settings(
                    ("RECE_STORAGE", "Not_An_Account!"),
                    ("--visibility-timeout", "0"),
                    ("RECE_MODEL_CACHE_MAX_GB", "1\n2")
                )
            )
        );

        Assert.Contains("--storage (or RECE_STORAGE): \"Not_An_Account!\" is neither", e.Message);
        Assert.Contains("--visibility-timeout", e.Message);
        Assert.Contains("RECE_MODEL_CACHE_MAX_GB must be a positive number of gigabytes, got \"1\\u000a2\"", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task WithoutStorageTheErrorSaysWhatToGive()
    {
        var e = await Assert.ThrowsAsync<WorkerConfigurationException>(() => WorkerHost.BuildAsync(Settings()));
        Assert.Contains("pass --storage", e.Message);
        Assert.Contains(StorageNames.StorageVariable, e.Message);
    }

    /// <summary>The host's own start validates them too (ValidateOnStart), not only the early check.</summary>
    [Fact]
    public void AHostWithTheSettingsRegisteredRefusesToStartWithABadValue()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddHostSettings<WorkerSettings>(Settings(("RECE_MODEL_CACHE_MAX_GB", "abc")));
        using var host = builder.Build();

        var e = Assert.Throws<OptionsValidationException>(() => host.StartAsync().GetAwaiter().GetResult());

        Assert.Contains("RECE_MODEL_CACHE_MAX_GB must be a positive number of gigabytes, got \"abc\"", e.Message);
    }

    [Fact]
    public async Task OptionsWinOverTheirEnvironmentVariablesAndDefaultsFillTheRest()
    {
        string storage = azurite.NewAccount();
        string cache = Path.Combine(_scratch, "cache");
        using var host = await WorkerHost.BuildAsync(
            Settings(
                ("RECE_STORAGE", storage),
                ("RECE_TASK_HUB", "fromEnv"),
                ("RECE_MODEL_CACHE", Path.Combine(_scratch, "env-cache")),
                ("--model-cache", cache),
                ("RECE_MODEL_CACHE_MAX_GB", "2.5"),
                ("--visibility-timeout", "7.5"),
                ("--device", "cpu")
            )
        );

        Assert.Equal("fromEnv", host.Services.GetRequiredService<TaskHubOptions>().Name);
        var options = host.Services.GetRequiredService<GpuWorkerOptions>();
        Assert.Equal(
            (TimeSpan.FromSeconds(7.5), 5, TimeSpan.FromSeconds(1), null),
            (options.VisibilityTimeout, options.MaxDequeueCount, options.MaxPollingInterval, options.MaxJobs)
        );
        Assert.True(options.Device.IsCpu);
        var worker = host.Services.GetRequiredService<IOptions<WorkerSettings>>().Value;
        Assert.Equal((cache, 2_500_000_000L), (worker.ModelCacheRoot, worker.ModelCacheMaxBytes));
        // What a worker writes exists; nothing else was created.
        var containers = new List<string>();
        await foreach (var container in StorageAccount.Parse(storage).Blobs.GetBlobContainersAsync())
            containers.Add(container.Name);
        Assert.Equal(new[] { StorageNames.Checkpoints, StorageNames.Reports }, containers.Order());
        Assert.True(await StorageAccount.Parse(storage).GpuJobs.ExistsAsync());
    }

    [Fact]
    public void TheTaskHubFollowsOptionThenEnvironmentThenDefault()
    {
        static string Hub(params (string, string)[] values)
        {
            var settings = new StorageSettings();
            settings.Bind(Settings(values));
            return settings.TaskHubName();
        }

        Assert.Equal("rece", Hub());
        Assert.Equal("fromEnv", Hub((StorageNames.TaskHubVariable, "fromEnv")));
        Assert.Equal("other", Hub((StorageNames.TaskHubVariable, "fromEnv"), ("--hub", "other")));
        Assert.Equal("fromEnv", Hub((StorageNames.TaskHubVariable, "fromEnv"), ("--hub", " ")));
    }

    [Fact]
    public async Task AWorkerDoneWithItsJobsStopsItsHost()
    {
        using var host = await WorkerHost.BuildAsync(
            Settings(
                ("--storage", azurite.NewAccount()),
                ("--max-jobs", "0"),
                ("--device", "cpu"),
                ("--model-cache", Path.Combine(_scratch, "c"))
            )
        );

        await WorkerHost.RunAsync(host).WaitAsync(TimeSpan.FromSeconds(60));
    }
}
