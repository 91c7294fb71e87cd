using Rece.Models.Devices;
using Rece.Orchestration.Jobs;

namespace Rece.Worker.Tests;

public sealed class WorkerDeviceTests
{
    [Fact]
    public void AGpuWorkerWithoutAGpuRefusesUnlessToldCpu()
    {
        if (ComputeDevice.CudaAvailable)
        {
            Assert.True(WorkerDevice.Choose("auto", "cuda").IsCuda);
            return;
        }
        var error = Assert.Throws<DeviceUnavailableException>(() => WorkerDevice.Choose("auto", "cuda"));
        Assert.Contains("refuses jobs rather than run them at CPU speed", error.Message);
        Assert.Contains("--device cpu", error.Message);
        Assert.Throws<DeviceUnavailableException>(() => WorkerDevice.Choose("cuda", "cpu"));
        Assert.True(WorkerDevice.Choose("cpu", "cuda").IsCpu);
        Assert.True(WorkerDevice.Choose("auto", "cpu").IsCpu);
        Assert.True(WorkerDevice.Choose(null, "cpu").IsCpu);
    }

    [Fact]
    public void EveryKindOfJobResultNamesTheDevice()
    {
        var erase = (GpuJobResult)
            GpuJobWorker.WithDevice(
                new GpuJobResult
                {
                    JobId = "j",
                    Attempt = 1,
                    Succeeded = true,
                },
                "cuda:0 (NVIDIA T4, 14.6 GiB)"
            );
        Assert.Equal("cuda:0 (NVIDIA T4, 14.6 GiB)", erase.Device);
        Assert.Contains("\"device\":\"cuda:0 (NVIDIA T4, 14.6 GiB)\"", GpuJobMessages.SerializeResult(erase));
        Assert.Equal("x", GpuJobWorker.WithDevice("x", "cpu"));
    }
}
