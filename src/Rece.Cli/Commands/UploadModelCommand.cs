using System.CommandLine;
using Rece.Models.Diffusers;
using Rece.Storage;
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
                            try
                            {
                                Rece.Orchestration.Requests.PipelineRequestParser.Parse(
                                    $$"""{"model": {{System.Text.Json.JsonSerializer.Serialize(target)}}, "concepts": ["x"]}"""
                                );
                            }
                            catch (Rece.Orchestration.Requests.RequestValidationException e)
                            {
                                stderr.WriteLine($"error: --name {e.Errors[0].Message}");
                                return ReceCommandLine.BadInput;
                            }
                            // The layout is checked first: workers would refuse a broken folder anyway, later and
                            // farther away.
                            var opened = DiffusersModel.Open(parse.GetRequiredValue(model));
                            var container = account.Container(StorageNames.Models);
                            container.CreateIfNotExists(cancellationToken: cancellationToken);
                            var files = Directory
                                .EnumerateFiles(opened.Root, "*", SearchOption.AllDirectories)
                                .Where(f => !Path.GetRelativePath(opened.Root, f).StartsWith('.'))
                                .ToList();
                            long bytes = 0;
                            foreach (var file in files)
                            {
                                string blob =
                                    $"{target}/{Path.GetRelativePath(opened.Root, file).Replace(Path.DirectorySeparatorChar, '/')}";
                                container.GetBlobClient(blob).Upload(file, overwrite: true, cancellationToken);
                                bytes += new FileInfo(file).Length;
                            }
                            stdout.WriteLine(
                                $"{StorageNames.Models}/{target}/ ({files.Count} files, {bytes / 1e6:F1} MB)"
                            );
                            return ReceCommandLine.Success;
                        })))
        );
        return command;
    }
}
