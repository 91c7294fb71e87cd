using System.Text.Json.Nodes;

namespace Rece.Infra.Tests;

/// <summary>
/// The GPU worker image swaps the CPU libtorch for the CUDA one with -p:TorchDevice=cuda (build/TorchDevice.targets).
/// The CUDA packages cannot be restored on this machine, so these tests evaluate the projects with MSBuild and read
/// the package references a restore would use.
/// </summary>
public sealed class TorchDeviceTests
{
    private const string Cpu = "libtorch-cpu-linux-x64";
    private const string Cuda = "libtorch-cuda-12.8-linux-x64";

    /// <summary>Every source project that references libtorch itself (the others get it through them).</summary>
    private static readonly string[] TorchProjects = Directory
        .GetFiles(Repo.File("src"), "*.csproj", SearchOption.AllDirectories)
        .Where(p => File.ReadAllText(p).Contains($"\"{Cpu}\"", StringComparison.Ordinal))
        .Order()
        .ToArray();

    private static (List<string> References, Dictionary<string, string> Versions) Evaluate(
        string project,
        string? device
    )
    {
        var arguments = new List<string>
        {
            "msbuild",
            project,
            "-getItem:PackageReference",
            "-getItem:PackageVersion",
            "-nologo",
        };
        if (device is not null)
            arguments.Add($"-p:TorchDevice={device}");
        var (exit, stdout, stderr) = Repo.Run("dotnet", arguments);
        Assert.True(exit == 0, $"dotnet {string.Join(' ', arguments)} failed:\n{stdout}\n{stderr}");
        var items = JsonNode.Parse(stdout)!["Items"]!;
        return (
            items["PackageReference"]!.AsArray().Select(i => (string)i!["Identity"]!).ToList(),
            items["PackageVersion"]!.AsArray().ToDictionary(i => (string)i!["Identity"]!, i => (string)i!["Version"]!)
        );
    }

    [Fact]
    public void TheEngineAndTheModelsReferenceLibTorch()
    {
        Assert.Contains(TorchProjects, p => p.EndsWith("Rece.Engine.csproj", StringComparison.Ordinal));
        Assert.Contains(TorchProjects, p => p.EndsWith("Rece.Models.csproj", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheDefaultBuildStaysOnTheCpuLibTorch()
    {
        var results = await Task.WhenAll(TorchProjects.Select(p => Task.Run(() => Evaluate(p, device: null))));

        Assert.All(results, r =>
        {
            Assert.Contains(Cpu, r.References);
            Assert.DoesNotContain(r.References, x => x.StartsWith("libtorch-cuda", StringComparison.Ordinal));
        });
    }

    [Fact]
    public async Task TorchDeviceCudaSwapsInTheCudaLibTorchOfTheSameRelease()
    {
        var results = await Task.WhenAll(TorchProjects.Select(p => Task.Run(() => Evaluate(p, "cuda"))));

        Assert.All(results, r =>
        {
            Assert.Contains(Cuda, r.References);
            Assert.Contains("TorchSharp", r.References);
            Assert.DoesNotContain(Cpu, r.References);
            // Central package management pins both to the same libtorch release TorchSharp binds.
            Assert.Equal(r.Versions[Cpu], r.Versions[Cuda]);
        });
    }

    [Fact]
    public void AnUnknownDeviceFailsNamingTheProperty()
    {
        var (exit, stdout, _) = Repo.Run(
            "dotnet",
            ["msbuild", TorchProjects[0], "-t:CollectPackageReferences", "-p:TorchDevice=rocm", "-nologo"]
        );

        Assert.NotEqual(0, exit);
        Assert.Contains("TorchDevice='rocm' is not supported", stdout, StringComparison.Ordinal);
    }
}
