using Rece.Models.Devices;
using static TorchSharp.torch;

namespace Rece.Models.Tests.Devices;

public sealed class ComputeDeviceTests
{
    [Theory]
    [InlineData("cpu")]
    [InlineData("CPU")]
    [InlineData(" cpu ")]
    public void CpuIsAlwaysAvailable(string requested)
    {
        var device = ComputeDevice.Resolve(requested);
        Assert.True(device.IsCpu);
        Assert.Equal("cpu", device.Info.Device);
        Assert.True(device.Info.MemoryBytes > 0);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:x")]
    [InlineData("mps")]
    public void AnUnknownDeviceNamesTheChoices(string requested)
    {
        var error = Assert.Throws<DeviceUnavailableException>(() => ComputeDevice.Resolve(requested));
        Assert.Contains("auto, cpu, cuda or cuda:N", error.Message);
    }

    [Theory]
    [InlineData("cuda")]
    [InlineData("cuda:0")]
    [InlineData("cuda:3")]
    public void CudaWithoutACudaDeviceIsAnErrorNamingTheFix(string requested)
    {
        if (ComputeDevice.CudaAvailable)
        {
            // On a GPU machine the first device resolves; a missing ordinal is named.
            if (requested == "cuda:3" && cuda.device_count() <= 3)
                Assert.Contains(
                    "numbered 0 to",
                    Assert.Throws<DeviceUnavailableException>(() => ComputeDevice.Resolve(requested)).Message
                );
            else
                Assert.True(ComputeDevice.Resolve(requested).IsCuda);
            return;
        }
        var error = Assert.Throws<DeviceUnavailableException>(() => ComputeDevice.Resolve(requested));
        Assert.Contains("libtorch reports no CUDA device", error.Message);
        Assert.Contains("--device cpu", error.Message);
    }

    [Fact]
    public void AutoTakesCudaWhenLibtorchReportsIt()
    {
        var device = ComputeDevice.Resolve("auto");
        Assert.Equal(ComputeDevice.CudaAvailable, device.IsCuda);
        Assert.Equal(device.IsCuda ? "cuda:0" : "cpu", device.Name);
        Assert.Equal(device.Name, ComputeDevice.Resolve(null).Name);
    }

    [Fact]
    public void TheBuildSaysWhichLibtorchItShips()
    {
        // This test project is built like every project here: -p:TorchDevice=cpu unless the CUDA image build asks
        // otherwise.
        Assert.Contains(ComputeDevice.BuildFlavour, new[] { "cpu", "cuda" });
    }

    [Fact]
    public void ADeviceDescribesItselfForReports()
    {
        var info = new DeviceInfo("cuda:0", "auto", "NVIDIA A100 80GB PCIe", 85_031_714_816L, "8.0", "12.4");
        Assert.Equal("cuda:0 (NVIDIA A100 80GB PCIe, 79.2 GiB)", info.ToString());
        Assert.Equal("meta (shape-only)", ComputeDevice.Meta.Info.ToString());
    }
}
