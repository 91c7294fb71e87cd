using System.CommandLine;
using Rece.Training;
using Rece.Worker;

namespace Rece.Cli.Commands;

/// <summary>rece upload-images: puts a local folder of a concept's images into the models container, where a fewshot
/// request's training.images names it.</summary>
public static class UploadImagesCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var storage = PipelineOptions.Storage();
        var images = new Option<string>("--images")
        {
            Description = "The local folder of PNG, JPEG or WebP images of the concept (the paper uses 4); only read.",
            Required = true,
        };
        var name = new Option<string>("--name")
        {
            Description =
                "The folder name in the models container, as training.images names it (e.g. images/van-gogh).",
            Required = true,
        };
        var command = new Command(
            "upload-images",
            "Upload a few images of a concept to the models container (models/NAME/) for a fewshot request."
        )
        {
            storage,
            images,
            name,
        };
        command.SetAction(
            (parse, cancellationToken) =>
                PipelineOptions.GuardAsync(stderr, () => Task.FromResult(ReceCommandLine.Guard(stderr, () =>
                        {
                            var settings = new StorageSettings();
                            settings.Bind(PipelineOptions.Settings(parse));
                            var account = settings.Account();
                            string target = parse.GetRequiredValue(name).Trim('/');
                            if (
                                ModelsContainerUpload.NameError(
                                    target,
                                    """{{"model": "m", "concepts": ["x"], "method": "fewshot", "training": {{"images": {0}}}}}""",
                                    "training.images"
                                ) is
                                { } error
                            )
                            {
                                stderr.WriteLine($"error: --name {error}");
                                return ReceCommandLine.BadInput;
                            }
                            // Every image is decoded first: a worker would refuse an unreadable one later.
                            string folder = parse.GetRequiredValue(images);
                            var files = FewShotJob.ImageFiles(folder);
                            foreach (var file in files)
                                FewShotJob.LoadImage(file);
                            stdout.WriteLine(
                                ModelsContainerUpload.Upload(account, target, folder, files, cancellationToken)
                            );
                            return ReceCommandLine.Success;
                        })))
        );
        return command;
    }
}
