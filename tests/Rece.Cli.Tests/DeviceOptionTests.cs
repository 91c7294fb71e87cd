using Rece.Models.Devices;

namespace Rece.Cli.Tests;

/// <summary>--device on every command that computes: a CUDA request without CUDA is a clean error, and nothing is
/// written.</summary>
public class DeviceOptionTests : CommandLineTest
{
    [Theory]
    [InlineData("generate", "cuda")]
    [InlineData("erase", "cuda:0")]
    [InlineData("evaluate", "cuda")]
    [InlineData("generate", "tpu")]
    public void AnUnavailableDeviceFailsWithExitCode2AndWritesNothing(string command, string device)
    {
        if (ComputeDevice.CudaAvailable && device.StartsWith("cuda", StringComparison.Ordinal))
            return; // on a GPU machine the device exists: the GPU check (tools/gpu-check.sh) covers that case
        string model = Fixture();
        string output = Path.Combine(Root, "out");
        string[] args = command switch
        {
            "generate" => new[] { "generate", "--model", model, "--prompt", "a cat", "--steps", "2", "--out", output },
            "erase" => new[] { "erase", "--model", model, "--concept", "nudity", "--out", output },
            _ => new[]
            {
                "evaluate",
                "--model",
                model,
                "--suite",
                "nudity",
                "--limit",
                "1",
                "--steps",
                "2",
                "--out",
                output,
            },
        };
        var (exit, _, stderr) = Rece(args.Concat(new[] { "--device", device }).ToArray());
        Assert.Equal(2, exit);
        Assert.StartsWith("error: --device", stderr.Trim());
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void TheChosenDeviceIsInTheProgressOutput()
    {
        string model = Fixture();
        var (exit, _, stderr) = Rece(
            "generate",
            "--model",
            model,
            "--prompt",
            "a cat",
            "--steps",
            "2",
            "--out",
            Path.Combine(Root, "img"),
            "--device",
            "cpu"
        );
        Assert.True(exit == 0, stderr);
        Assert.Contains("device: cpu (", stderr);
    }
}
