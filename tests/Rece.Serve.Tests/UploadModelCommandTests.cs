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

    [Fact]
    public async Task UploadImagesPutsTheConceptsImagesWhereAFewShotRequestNamesThemAndRefusesAnUnreadableOne()
    {
        string scratch = PipelineTestKit.TempFolder("upload-images");
        try
        {
            string images = Path.Combine(scratch, "cat");
            Rece.Evaluation.Tests.ConceptImages.Write(images);
            File.WriteAllText(Path.Combine(images, "notes.txt"), "not an image");
            string connection = azurite.NewAccount();
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int Run(string folder, string name, TextWriter errors) =>
                Rece.Cli.ReceCommandLine.Run(
                    new[] { "upload-images", "--storage", connection, "--images", folder, "--name", name },
                    stdout,
                    errors
                );

            Assert.True(Run(images, "images/cat", stderr) == 0, stderr.ToString());
            var models = StorageAccount.Parse(connection).Container(StorageNames.Models);
            Assert.Equal(
                Enumerable.Range(0, 4).Select(i => $"images/cat/cat-{i}.png"),
                await PipelineTestKit.ListAsync(models, "images/cat/")
            );
            Assert.StartsWith("models/images/cat/ (4 files", stdout.ToString());

            var bad = new StringWriter();
            Assert.Equal(2, Run(images, "../cat", bad));
            Assert.Contains("--name", bad.ToString());
            File.WriteAllText(Path.Combine(images, "broken.png"), "not a png");
            bad = new StringWriter();
            Assert.Equal(2, Run(images, "images/broken", bad));
            Assert.Contains("broken.png is not a readable image", bad.ToString());
            Assert.Empty(await PipelineTestKit.ListAsync(models, "images/broken/"));
            bad = new StringWriter();
            Assert.Equal(2, Run(scratch, "images/none", bad));
            Assert.Contains("holds no PNG, JPEG or WebP image", bad.ToString());
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}
