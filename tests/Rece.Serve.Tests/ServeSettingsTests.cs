using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Rece.Storage;
using Rece.Testing;

namespace Rece.Serve.Tests;

/// <summary>`rece serve` from its settings: options over environment variables, all checked before storage is
/// touched.</summary>
[Collection(AzuriteCollection.Name)]
public class ServeSettingsTests(AzuriteFixture azurite)
{
    private const string Key = "0123456789abcdef-from-the-option";

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

    [Theory]
    [InlineData("RECE_MODEL_CACHE_MAX_GB", "abc", "RECE_MODEL_CACHE_MAX_GB must be a positive number of gigabytes")]
    [InlineData(
        "--urls",
        "http://0.0.0.0:7071",
        "http://0.0.0.0:7071 is reachable from other machines and the API has no key; set RECE_API_KEY (or pass --api-key)"
    )]
    [InlineData("RECE_API_KEY", "short", "the API key must be at least 16 characters")]
    [InlineData("--workers", "-1", "--workers must be a whole number of at least 0, got \"-1\" (default 1)")]
    [InlineData("--job-attempts", "0", "--job-attempts must be a whole number of at least 1, got \"0\" (default 3)")]
    [InlineData("--job-timeout", "0", "--job-timeout must be a positive number of seconds, got \"0\" (default 1800)")]
    [InlineData("--job-queue-timeout", "1e300", "--job-queue-timeout must be a positive number of seconds")]
    [InlineData(
        "--watch-interval",
        "-0.5",
        "--watch-interval must be a non-negative number of seconds, got \"-0.5\" (default 2)"
    )]
    [InlineData(
        "--hub-visibility-timeout",
        "0",
        "--hub-visibility-timeout must be a positive number of seconds, got \"0\" (default 300)"
    )]
    [InlineData("--partition-lease", "-1", "--partition-lease must be a positive number of seconds")]
    [InlineData("--visibility-timeout", "0", "--visibility-timeout must be a positive number of seconds")]
    [InlineData("--hub", "bad-hub", "--hub (or RECE_TASK_HUB)")]
    public async Task ABadSettingStopsTheHostBeforeItTouchesStorageNamingTheSetting(
        string key,
        string value,
        string message
    )
    {
        string storage = azurite.NewAccount();

        var e = await Assert.ThrowsAsync<ServeConfigurationException>(() =>
            ServeHost.BuildAsync(Settings(("--storage", storage), ("--workers", "0"), (key, value)))
        );

        Assert.Contains(message, e.Message);
        await foreach (var _ in StorageAccount.Parse(storage).Blobs.GetBlobContainersAsync())
            Assert.Fail("nothing may be created");
    }

    [Fact]
    public async Task APublicBindingWithoutAKeyIsNamedFirstAmongOtherBadSettings()
    {
        var e = await Assert.ThrowsAsync<ServeConfigurationException>(() =>
            ServeHost.BuildAsync(
                Settings(("RECE_STORAGE", "Not_An_Account!"), ("--urls", "http://*:7071"), ("--job-attempts", "0"))
            )
        );

        Assert.StartsWith("http://*:7071 is reachable from other machines", e.Message);
        Assert.Contains("--job-attempts", e.Message);
        Assert.Contains("--storage (or RECE_STORAGE)", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task TheHostRunsWithTheOptionsOverTheirEnvironmentVariables()
    {
        string url = $"http://127.0.0.1:{AzuriteFixture.FreePort()}";
        await using var app = await ServeHost.BuildAsync(
            Settings(
                ("RECE_STORAGE", azurite.NewAccount()),
                ("RECE_API_KEY", "0123456789abcdef-from-the-environment"),
                ("--api-key", Key),
                ("--urls", url),
                ("--workers", "0"),
                ("--job-timeout", "90.5"),
                ("--watch-interval", "0"),
                ("RECE_MODEL_CACHE", "/tmp/rece-env-cache")
            )
        );

        var options = app.Services.GetRequiredService<ServeOptions>();
        Assert.Equal(
            (Key, 0, 91, 3),
            (options.ApiKey, options.Workers, options.Jobs.TimeoutSeconds, options.Jobs.MaxAttempts)
        );
        Assert.Equal(
            (TimeSpan.Zero, "rece", TimeSpan.FromMinutes(5)),
            (options.WatchInterval, options.TaskHub.Name, options.TaskHub.MessageVisibilityTimeout)
        );
        Assert.Equal(("/tmp/rece-env-cache", 100_000_000_000L), (options.ModelCacheRoot, options.ModelCacheMaxBytes));
        await app.StartAsync();
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"{url}/api/erasures")).StatusCode);
        using var withKey = new HttpRequestMessage(HttpMethod.Get, $"{url}/api/erasures");
        withKey.Headers.Add(ApiKeyGuard.Header, Key);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(withKey)).StatusCode);
        await app.StopAsync();
    }
}
