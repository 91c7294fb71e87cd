using System.Text.RegularExpressions;

namespace Rece.Infra.Tests;

[Collection(InfraCollection.Name)]
public sealed class BicepBuildTests(CompiledInfra infra)
{
    [Fact]
    public void MainTemplateBuildsWithNoErrorOrWarning()
    {
        // infra/bicepconfig.json raises the linter rules to errors; any diagnostic at all fails here.
        Assert.True(infra.Build.Exit == 0 && infra.Build.Results.Count == 0, infra.Build.Diagnostics);
        Assert.NotNull(infra.Template);
    }

    [Fact]
    public void ParameterFileBuildsWithNoErrorOrWarning()
    {
        Assert.True(infra.BuildParams.Exit == 0 && infra.BuildParams.Results.Count == 0, infra.BuildParams.Diagnostics);
        Assert.NotNull(infra.ParameterFile);
    }

    [Fact]
    public void EveryModuleIsBuiltAndLintedThroughMain()
    {
        // Building main.bicep compiles and lints every module it references; a module file main does not use
        // would escape both, so there must be none.
        string main = Repo.Read("infra", "main.bicep");
        var referenced = Regex
            .Matches(main, @"^module \w+ '(modules/[\w.]+\.bicep)'", RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value)
            .ToHashSet();
        var files = Directory
            .GetFiles(Repo.File("infra", "modules"), "*.bicep")
            .Select(f => "modules/" + Path.GetFileName(f))
            .ToHashSet();
        Assert.Equal(files.Order(), referenced.Order());
        // One deployment per `module` line (modules/storageAccess.bicep is deployed once per app).
        Assert.Equal(
            Regex.Count(main, @"^module \w+ '", RegexOptions.Multiline),
            infra.Template!["resources"]!.AsArray().Count(r => (string?)r!["type"] == "Microsoft.Resources/deployments")
        );
    }
}
