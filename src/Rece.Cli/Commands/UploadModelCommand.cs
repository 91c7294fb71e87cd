using System.CommandLine;
using Rece.Models.Diffusers;
using Rece.Worker;

namespace Rece.Cli.Commands;

/// <summary>rece upload-model: puts a local diffusers folder into the models container, where requests name
/// it.</summary>
public static class UploadModelCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var storage = PipelineOptions.Storage();
        var model = new Option<string>("--model")
        {
            Description = "The local model folder (diffusers layout); only read.",
            Required = true,
        };
        var name = new Option<string>("--name")
        {
            Description = "The folder name in the models container, as requests name it (e.g. sd-v1-4).",
            Required = true,
        };
        var command = new Command(
            "upload-model",
            "Upload a diffusers model folder to the models container (models/NAME/)."
        )
        {
            storage,
            model,
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
                                    """{{"model": {0}, "concepts": ["x"]}}""",
                                    "model"
                                ) is
                                { } error
                            )
                            {
                                stderr.WriteLine($"error: --name {error}");
                                return ReceCommandLine.BadInput;
                            }
                            // The layout is checked first: workers would refuse a broken folder anyway, later and
                            // farther away.
                            var opened = DiffusersModel.Open(parse.GetRequiredValue(model));
                            var files = Directory
                                .EnumerateFiles(opened.Root, "*", SearchOption.AllDirectories)
                                .Where(f => !Path.GetRelativePath(opened.Root, f).StartsWith('.'))
                                .ToList();
                            stdout.WriteLine(
                                ModelsContainerUpload.Upload(account, target, opened.Root, files, cancellationToken)
                            );
                            return ReceCommandLine.Success;
                        })))
        );
        return command;
    }
}
