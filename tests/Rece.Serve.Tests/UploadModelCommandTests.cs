using Rece.Storage;
using Rece.Testing;

namespace Rece.Serve.Tests;

[Collection(AzuriteCollection.Name)]
public class UploadModelCommandTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task UploadModelPutsTheFolderUnderModelsWhereRequestsNameIt()
    {
        string scratch = PipelineTestKit.TempFolder("upload");
        try
        {
            string model = Path.Combine(scratch, "tiny");
            Rece.Models.Fixtures.RandomModelFixture.Write(model, Rece.Models.Fixtures.FixtureKind.Tiny, seed: 2);
            string connection = azurite.NewAccount();
            var stdout = new StringWriter();
            var stderr = new StringWriter();

            int exit = Rece.Cli.ReceCommandLine.Run(
                new[] { "upload-model", "--storage", connection, "--model", model, "--name", "team/tiny" },
                stdout,
                stderr
            );

            Assert.True(exit == 0, stderr.ToString());
            var names = await PipelineTestKit.ListAsync(
                StorageAccount.Parse(connection).Container(StorageNames.Models),
                "team/tiny/"
            );
            Assert.Equal(Directory.EnumerateFiles(model, "*", SearchOption.AllDirectories).Count(), names.Count);
            Assert.Contains("team/tiny/unet/diffusion_pytorch_model.safetensors", names);
            Assert.StartsWith("models/team/tiny/", stdout.ToString());
            Assert.Equal(
                2,
                Rece.Cli.ReceCommandLine.Run(
                    new[] { "upload-model", "--storage", connection, "--model", model, "--name", "../up" },
                    stdout,
                    new StringWriter()
                )
            );
            Assert.Equal(
                2,
                Rece.Cli.ReceCommandLine.Run(
                    new[] { "upload-model", "--storage", connection, "--model", scratch, "--name", "x" },
                    stdout,
                    new StringWriter()
                )
            );
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}
