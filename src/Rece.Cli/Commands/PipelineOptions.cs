using System.CommandLine;
using Rece.Core;
using Rece.Storage;

namespace Rece.Cli.Commands;

/// <summary>Options shared by `rece serve` and `rece worker`.</summary>
internal static class PipelineOptions
{
    public static Option<string?> Storage() => new("--storage")
    {
        Description = $"The storage account: a connection string (e.g. \"UseDevelopmentStorage=true\" for Azurite), an account name, or a blob endpoint URL (then DefaultAzureCredential; AZURE_CLIENT_ID picks a user-assigned identity). Default: ${StorageNames.StorageVariable}.",
    };

    public static Option<string?> Hub() => new("--hub") { Description = $"The Durable task hub name (default: ${StorageNames.TaskHubVariable}, else \"{StorageNames.DefaultTaskHub}\")." };

    public static Option<double> Seconds(string name, string description, double defaultValue) => new(name) { Description = description, DefaultValueFactory = _ => defaultValue };

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
            stderr.WriteLine($"error: the storage account answered {e.Status} {e.ErrorCode}: {e.Message.Split('\n')[0]}");
            return ReceCommandLine.Failure;
        }
        catch (AggregateException e) when (e.InnerException is Azure.RequestFailedException or HttpRequestException)
        {
            stderr.WriteLine($"error: cannot reach the storage account: {e.InnerException.Message.Split('\n')[0]}");
            return ReceCommandLine.Failure;
        }
    }

    public static TimeSpan Positive(double seconds, string option) =>
        seconds > 0 && double.IsFinite(seconds) ? TimeSpan.FromSeconds(seconds) : throw new CommandLineInputException($"{option} must be a positive number of seconds, got {seconds}.");
}
