using Rece.Models.Devices;

namespace Rece.Erasure.Tests;

[Collection(TinyModelCollection.Name)]
public sealed class DeviceTests(TinyModels models)
{
    /// <summary>
    /// The erase with its text encoder and G0 on the meta device (shape-only, standing in for a GPU): every tensor path
    /// of the erase follows the device up to the one boundary where embeddings and G0 come back for the float64 math.
    /// </summary>
    [Fact]
    public void TheEraseRunsWithItsTensorsOnTheChosenDeviceAndReportsIt()
    {
        string output = models.NewOutput();
        var report = ErasureJob.Run(
            new ErasureRequest
            {
                ModelDirectory = models.V1,
                Concepts = new[] { "nudity" },
                OutputDirectory = output,
                Preset = "nudity",
                PatchOnly = true,
                Device = ComputeDevice.Meta,
            }
        );
        Assert.Equal("meta", report.Device!.Device);
        Assert.True(File.Exists(Path.Combine(output, RecePatch.FileName)));
    }

    [Fact]
    public void TheReportNamesTheCpuWhenItComputedThere()
    {
        var report = ErasureJob.Run(
            new ErasureRequest
            {
                ModelDirectory = models.V1,
                Concepts = new[] { "nudity" },
                OutputDirectory = models.NewOutput(),
                PatchOnly = true,
            }
        );
        Assert.Equal("cpu", report.Device!.Device);
        Assert.Contains("cpu", ErasureReport.Parse(report.ToJson()).Device!.ToString());
    }
}
