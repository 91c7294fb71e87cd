using System.Diagnostics;
using System.Reflection;

namespace Rece.Infra.Tests;

/// <summary>Paths of the repository and the Bicep CLI (both recorded by the project file at build time).</summary>
internal static class Repo
{
    private static string Metadata(string key) =>
        typeof(Repo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"Assembly metadata {key} is empty.");

    public static string Root { get; } = Path.GetFullPath(Metadata("RepoRoot"));

    public static string BicepPath { get; } = Metadata("BicepPath");

    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string Read(params string[] parts) => System.IO.File.ReadAllText(File(parts));

    /// <summary>Runs a program to completion; both output streams are captured.</summary>
    public static (int Exit, string Out, string Err) Run(
        string program,
        IEnumerable<string> arguments,
        string? workingDirectory = null
    )
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Root,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        // Keep child dotnet processes from inheriting the test host's MSBuild state.
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");
        start.Environment.Remove("MSBuildSDKsPath");
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish in 3 minutes.");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
