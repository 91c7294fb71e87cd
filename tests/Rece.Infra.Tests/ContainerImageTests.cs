using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Rece.Infra.Tests.Arm;
using static Rece.Infra.Tests.Deployment;

namespace Rece.Infra.Tests;

/// <summary>
/// No container engine runs on this machine, so the images are not built here (docs/deploy.md);
/// these tests hold the Dockerfiles, the deploy script and the templates to one another.
/// </summary>
[Collection(InfraCollection.Name)]
public sealed class ContainerImageTests(CompiledInfra infra)
{
    private static string Dockerfile(string name) => Repo.Read("docker", name);

    /// <summary>The instructions of the last stage (the image that runs), continuation lines joined.</summary>
    private static List<string> FinalStage(string dockerfile)
    {
        var lines = Regex
            .Replace(dockerfile, @"\\\r?\n", " ")
            .Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToList();
        int from = lines.FindLastIndex(l => l.StartsWith("FROM ", StringComparison.Ordinal));
        return lines[from..];
    }

    private static string[] ExecForm(string instruction) =>
        JsonNode.Parse(instruction[(instruction.IndexOf(' ') + 1)..])!.AsArray().Select(a => (string)a!).ToArray();

    [Fact]
    public void WorkerImageIsTheCliBuiltAgainstCudaLibTorchRunningReceWorker()
    {
        string dockerfile = Dockerfile("worker.Dockerfile");

        Assert.Matches(
            @"dotnet publish src/Rece\.Cli/Rece\.Cli\.csproj\b[^\n]*-p:TorchDevice=cuda",
            Regex.Replace(dockerfile, @"\\\r?\n", " ")
        );
        var final = FinalStage(dockerfile);
        // NudeNet's ONNX Runtime CUDA provider needs the CUDA 13 runtime and cuDNN 9; the .NET runtime comes from the
        // ASP.NET image.
        Assert.Matches(@"^FROM nvidia/cuda:13\.\d+\.\d+-cudnn-runtime-", final[0]);
        Assert.Contains(final, l => l == "COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet");
        Assert.Contains("FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS dotnet", dockerfile, StringComparison.Ordinal);
        // A replica without a GPU refuses jobs rather than run them at CPU speed.
        Assert.Equal(
            ["/app/rece", "worker", "--device", "cuda"],
            ExecForm(final.Single(l => l.StartsWith("ENTRYPOINT ", StringComparison.Ordinal)))
        );
    }

    [Fact]
    public void FunctionsImageIsThePublishedAppOnTheIsolatedFunctionsBaseImage()
    {
        string dockerfile = Dockerfile("functions.Dockerfile");

        Assert.Matches(@"dotnet publish src/Rece\.Functions/Rece\.Functions\.csproj\b", dockerfile);
        var final = FinalStage(dockerfile);
        Assert.Equal("FROM mcr.microsoft.com/azure-functions/dotnet-isolated:4-dotnet-isolated10.0", final[0]);
        Assert.Contains(final, l => Regex.IsMatch(l, @"^COPY --from=\w+ \S+ /home/site/wwwroot/?$"));
        Assert.Contains(final, l => l.Contains("AzureWebJobsScriptRoot=/home/site/wwwroot", StringComparison.Ordinal));
    }

    [Fact]
    public void BothImagesBuildWithTheSdkGlobalJsonAsks()
    {
        string sdkMajor = ((string)JsonNode.Parse(Repo.Read("global.json"))!["sdk"]!["version"]!).Split('.')[0];

        foreach (var name in new[] { "worker.Dockerfile", "functions.Dockerfile" })
            Assert.Contains(
                $"FROM mcr.microsoft.com/dotnet/sdk:{sdkMajor}.0 AS build",
                Dockerfile(name),
                StringComparison.Ordinal
            );
    }

    [Fact]
    public void DeployScriptBuildsTheImagesTheAppsRun()
    {
        string deploy = Repo.Read("infra", "deploy.sh");
        var deployment = new Deployment(infra.Main());

        foreach (
            var (app, image, dockerfile) in new[]
            {
                (deployment.FunctionApp, PipelineContract.FunctionsImage, "docker/functions.Dockerfile"),
                (deployment.GpuWorker, PipelineContract.WorkerImage, "docker/worker.Dockerfile"),
            }
        )
        {
            Assert.Matches(
                $@"az acr build\b[^\n]*--image ""?{image}:\$\{{?tag\}}?""?[^\n]*--file {Regex.Escape(dockerfile)}",
                deploy
            );
            var container = Obj(Assert.Single(List(app.Get("properties.template.containers"))));
            var reference = Assert.IsType<Unresolved>(container["image"]);
            Assert.Equal($"{{0}}/{image}:{{1}}", reference.Arguments[0]);
        }
    }

    [Fact]
    public void BuildContextLeavesBuildOutputsAndLocalStateOut()
    {
        var ignored = Repo.Read(".dockerignore").Split('\n').Select(l => l.Trim()).ToHashSet();

        foreach (
            var pattern in new[]
            {
                "**/bin/",
                "**/obj/",
                ".git/",
                ".bench/",
                "demo/",
                "**/TestResults/",
                "local.settings.json",
            }
        )
            Assert.Contains(pattern, ignored);
    }

    [Theory]
    [InlineData("deploy.sh")]
    [InlineData("teardown.sh")]
    public void ScriptsAreValidBash(string script)
    {
        var (exit, _, stderr) = Repo.Run("bash", ["-n", Repo.File("infra", script)]);

        Assert.True(exit == 0, stderr);
        Assert.StartsWith("#!/usr/bin/env bash\n", Repo.Read("infra", script), StringComparison.Ordinal);
    }
}
