using System.Text.Json.Nodes;
using Rece.Infra.Tests.Arm;

namespace Rece.Infra.Tests;

/// <summary>
/// infra/main.bicep and infra/main.bicepparam compiled once per test run with the real Bicep CLI (from the
/// Azure.Bicep.CommandLine.linux-x64 package) into a temporary folder: the ARM JSON the tests read is always
/// the one the current templates produce, never a stale committed copy.
/// </summary>
public sealed class CompiledInfra : IDisposable
{
    private readonly string _folder = Path.Combine(
        Path.GetTempPath(),
        "rece-infra-" + Guid.NewGuid().ToString("N")[..8]
    );

    public CompiledInfra()
    {
        Directory.CreateDirectory(_folder);
        string bicep = BicepExecutable();
        string mainJson = Path.Combine(_folder, "main.json");
        string paramsJson = Path.Combine(_folder, "main.parameters.json");

        // The two compilations are independent: run them side by side.
        var build = Task.Run(() =>
            Repo.Run(
                bicep,
                ["build", Repo.File("infra", "main.bicep"), "--outfile", mainJson, "--diagnostics-format", "sarif"]
            )
        );
        var buildParams = Task.Run(() =>
            Repo.Run(
                bicep,
                [
                    "build-params",
                    Repo.File("infra", "main.bicepparam"),
                    "--outfile",
                    paramsJson,
                    "--diagnostics-format",
                    "sarif",
                ]
            )
        );
        Build = Compilation.From("bicep build infra/main.bicep", build.Result);
        BuildParams = Compilation.From("bicep build-params infra/main.bicepparam", buildParams.Result);

        if (Build.Exit == 0)
            Template = JsonNode.Parse(File.ReadAllText(mainJson))!.AsObject();
        if (BuildParams.Exit == 0)
        {
            var parameters = JsonNode.Parse(File.ReadAllText(paramsJson))!["parameters"]!.AsObject();
            ParameterFile = parameters.ToDictionary(
                p => p.Key,
                p => ArmValues.FromJson(p.Value!["value"]),
                StringComparer.OrdinalIgnoreCase
            );
        }
    }

    public Compilation Build { get; }

    public Compilation BuildParams { get; }

    /// <summary>The compiled main.json (null when the build failed; the build test says why).</summary>
    public JsonObject? Template { get; }

    /// <summary>The values main.bicepparam sets (with the environment's RECE_* variables unset or as they
    /// are).</summary>
    public IReadOnlyDictionary<string, object?>? ParameterFile { get; }

    /// <summary>main.json deployed with its defaults and an image tag (so both apps are deployed), plus
    /// overrides.</summary>
    internal ArmScope Main(params (string Name, object? Value)[] overrides)
    {
        var values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase) { ["imageTag"] = "test-tag" };
        foreach (var (name, value) in overrides)
            values[name] = value;
        return new ArmScope(
            Template ?? throw new InvalidOperationException("infra/main.bicep did not compile: " + Build.Diagnostics),
            values,
            "main"
        );
    }

    private static string BicepExecutable()
    {
        string path = Repo.BicepPath;
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"The Bicep CLI is missing at {path}: restore the test project (dotnet restore tests/Rece.Infra.Tests) to download Azure.Bicep.CommandLine.linux-x64."
            );
        // NuGet keeps the executable bit on Linux, but a cache copied without modes would lose it.
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("The infrastructure tests run the linux-x64 Bicep CLI.");
        var mode = File.GetUnixFileMode(path);
        if ((mode & UnixFileMode.UserExecute) == 0)
            File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute);
        return path;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>The outcome of one Bicep CLI run; Diagnostics lists every SARIF result (errors and warnings).</summary>
    public sealed record Compilation(string Command, int Exit, IReadOnlyList<string> Results, string Diagnostics)
    {
        public static Compilation From(string command, (int Exit, string Out, string Err) run)
        {
            var results = new List<string>();
            // SARIF goes to stderr; anything that is not SARIF (a crash, a usage error) is kept as it is.
            string err = run.Err.Trim();
            if (err.StartsWith('{'))
            {
                foreach (
                    var result in JsonNode.Parse(err)!["runs"]!.AsArray().SelectMany(r => r!["results"]!.AsArray())
                )
                {
                    var location = result!["locations"]?[0]?["physicalLocation"];
                    results.Add(
                        $"{location?["artifactLocation"]?["uri"]}({location?["region"]?["startLine"]}): {result["level"] ?? "warning"} {result["ruleId"]}: {result["message"]?["text"]}"
                    );
                }
            }
            else if (err.Length > 0)
            {
                results.Add(err);
            }
            return new Compilation(
                command,
                run.Exit,
                results,
                $"{command} exited {run.Exit}:\n{string.Join('\n', results)}\n{run.Out}"
            );
        }
    }
}
