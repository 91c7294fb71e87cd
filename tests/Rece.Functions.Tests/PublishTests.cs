using System.Diagnostics;
using System.Text.Json;
using Rece.Testing;

namespace Rece.Functions.Tests;

/// <summary>
/// `dotnet publish` of the Functions app (the Functions host itself cannot run on this machine): the output must
/// declare every function with its bindings for the host, and the extensions the host loads for them.
/// </summary>
public sealed class PublishTests : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif
    private readonly string _output = PipelineTestKit.TempFolder("functions-publish");

    private void Publish()
    {
        string project = Path.Combine(AzuriteFixture.RepositoryRoot, "src", "Rece.Functions", "Rece.Functions.csproj");
        // The test project references the app, so it is already built in this configuration: publish only lays out the
        // output.
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "publish", project, "-c", Configuration, "--no-build", "--nologo", "-o", _output })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(300_000), "dotnet publish took more than 5 minutes");
        Assert.True(process.ExitCode == 0, $"dotnet publish failed: {stdout.Result}{stderr.Result}");
    }

    [Fact]
    public void PublishDeclaresEveryFunctionWithItsBindingsAndTheExtensionsTheyNeed()
    {
        Publish();

        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(_output, "functions.metadata")));
        var functions = metadata
            .RootElement.EnumerateArray()
            .ToDictionary(f => f.GetProperty("name").GetString()!, f => f.Clone());
        Assert.Equal(
            new[]
            {
                "EnqueueEvaluationReport",
                "EnqueueEvaluationShard",
                "EnqueueGpuJob",
                "ErasureOrchestrator",
                "ErasureRequestBlobTrigger",
                "ErasureRequestEventTrigger",
                "GetErasure",
                "ListErasures",
                "PurgeErasure",
                "RaiseErasureEvent",
                "StartErasure",
                "TerminateErasure",
                "VerifyCheckpoint",
                "WriteErasureReport",
                "WriteErasureResult",
            },
            functions.Keys.Order(StringComparer.Ordinal)
        );
        Assert.All(functions.Values, f => Assert.Equal("Rece.Functions.dll", f.GetProperty("scriptFile").GetString()));

        JsonElement Trigger(string function) =>
            functions[function]
                .GetProperty("bindings")
                .EnumerateArray()
                .First(b => b.GetProperty("type").GetString()!.EndsWith("Trigger"));
        bool HasClient(string function) =>
            functions[function]
                .GetProperty("bindings")
                .EnumerateArray()
                .Any(b => b.GetProperty("type").GetString() == "durableClient");
        foreach (
            var (name, method, route) in new[]
            {
                ("StartErasure", "post", "erasures"),
                ("GetErasure", "get", "erasures/{id}"),
                ("ListErasures", "get", "erasures"),
                ("TerminateErasure", "post", "erasures/{id}/terminate"),
                ("PurgeErasure", "delete", "erasures/{id}"),
                ("RaiseErasureEvent", "post", "erasures/{id}/events/{eventName}"),
            }
        )
        {
            var trigger = Trigger(name);
            Assert.Equal("httpTrigger", trigger.GetProperty("type").GetString());
            Assert.Equal(route, trigger.GetProperty("route").GetString());
            Assert.Equal(new[] { method }, trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
            Assert.Equal("Function", trigger.GetProperty("authLevel").GetString());
            Assert.True(HasClient(name), $"{name} has a durable client binding");
        }
        var blob = Trigger("ErasureRequestBlobTrigger");
        Assert.Equal(
            ("blobTrigger", "erasure-requests/{name}", "EventGrid", "AzureWebJobsStorage"),
            (
                blob.GetProperty("type").GetString(),
                blob.GetProperty("path").GetString(),
                blob.GetProperty("source").GetString(),
                blob.GetProperty("connection").GetString()
            )
        );
        Assert.True(HasClient("ErasureRequestBlobTrigger"));
        var events = Trigger("ErasureRequestEventTrigger");
        Assert.Equal(
            ("queueTrigger", "erasure-request-events", "AzureWebJobsStorage"),
            (
                events.GetProperty("type").GetString(),
                events.GetProperty("queueName").GetString(),
                events.GetProperty("connection").GetString()
            )
        );
        Assert.True(HasClient("ErasureRequestEventTrigger"));
        Assert.Equal("orchestrationTrigger", Trigger("ErasureOrchestrator").GetProperty("type").GetString());
        foreach (
            var activity in new[]
            {
                "EnqueueGpuJob",
                "EnqueueEvaluationShard",
                "EnqueueEvaluationReport",
                "WriteErasureReport",
                "WriteErasureResult",
                "VerifyCheckpoint",
            }
        )
            Assert.Equal("activityTrigger", Trigger(activity).GetProperty("type").GetString());

        using var extensions = JsonDocument.Parse(File.ReadAllText(Path.Combine(_output, "extensions.json")));
        var loaded = extensions
            .RootElement.GetProperty("extensions")
            .EnumerateArray()
            .Select(e => e.GetProperty("name").GetString())
            .ToList();
        Assert.Contains("DurableTask", loaded);
        Assert.Contains("AzureStorageBlobs", loaded);
        Assert.Contains("AzureStorageQueues", loaded);
        foreach (var extension in extensions.RootElement.GetProperty("extensions").EnumerateArray())
            Assert.True(
                File.Exists(Path.Combine(_output, extension.GetProperty("hintPath").GetString()!)),
                extension.GetProperty("hintPath").GetString()
            );

        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(_output, "host.json")));
        Assert.Equal(
            "none",
            host.RootElement.GetProperty("extensions").GetProperty("queues").GetProperty("messageEncoding").GetString()
        );
        var durable = host.RootElement.GetProperty("extensions").GetProperty("durableTask");
        Assert.Equal("%RECE_TASK_HUB%", durable.GetProperty("hubName").GetString());
        Assert.Equal("AzureStorage", durable.GetProperty("storageProvider").GetProperty("type").GetString());
        Assert.Equal(4, durable.GetProperty("storageProvider").GetProperty("partitionCount").GetInt32());
        Assert.False(File.Exists(Path.Combine(_output, "local.settings.json")));
        Assert.Empty(Directory.EnumerateFiles(_output, "libtorch*", SearchOption.AllDirectories));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_output, recursive: true);
        }
        catch (IOException) { }
    }
}
