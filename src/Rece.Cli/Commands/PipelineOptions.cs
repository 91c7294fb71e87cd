using System.CommandLine;
using System.CommandLine.Parsing;
using Microsoft.Extensions.Configuration;
using Rece.Core;
using Rece.Storage;
using Rece.Worker;

namespace Rece.Cli.Commands;

/// <summary>Options shared by `rece serve` and `rece worker`.</summary>
internal static class PipelineOptions
{
    public static Option<string?> Storage() =>
        new(StorageSettings.StorageOption)
        {
            Description =
                $"The storage account: a connection string (e.g. \"UseDevelopmentStorage=true\" for Azurite), an account name, or a blob endpoint URL (then DefaultAzureCredential; AZURE_CLIENT_ID picks a user-assigned identity). Default: ${StorageNames.StorageVariable}.",
        };

    public static Option<string?> Hub() =>
        new(StorageSettings.TaskHubOption)
        {
            Description =
                $"The Durable task hub name (default: ${StorageNames.TaskHubVariable}, else \"{StorageNames.DefaultTaskHub}\").",
        };

    public static Option<double> Seconds(string name, string description, double defaultValue) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue };

    /// <summary>
    /// What a pipeline command's host binds its options classes from (<see cref="HostSettings"/>): the environment
    /// variables and, over them, each option given on the command line as typed, under its name. An option left out
    /// is not there (its default on the help page is the host's own), so its environment variable or default applies.
    /// </summary>
    public static IConfiguration Settings(ParseResult parse) =>
        HostSettings.From(
            parse
                .CommandResult.Children.OfType<OptionResult>()
                .Where(o => !o.Implicit)
                .Select(o =>
                    KeyValuePair.Create(o.Option.Name, (string?)string.Join(' ', o.Tokens.Select(t => t.Value)))
                )
        );

    /// <summary>Runs a pipeline command; errors the user can fix become one `error:` line and exit code 2.</summary>
    public static async Task<int> GuardAsync(TextWriter stderr, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (UserFixableException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return UserFixableException.ExitCode;
        }
        catch (Azure.RequestFailedException e)
        {
            stderr.WriteLine(
                $"error: the storage account answered {e.Status} {e.ErrorCode}: {e.Message.Split('\n')[0]}"
            );
            return ReceCommandLine.Failure;
        }
        catch (AggregateException e) when (e.InnerException is Azure.RequestFailedException or HttpRequestException)
        {
            stderr.WriteLine($"error: cannot reach the storage account: {e.InnerException.Message.Split('\n')[0]}");
            return ReceCommandLine.Failure;
        }
    }
}
