using System.Text.Json.Nodes;
using Rece.Infra.Tests.Arm;

namespace Rece.Infra.Tests;

/// <summary>The small ARM expression evaluator the template tests rely on.</summary>
public sealed class ArmScopeTests
{
    private static ArmScope Scope(string json, params (string, object?)[] parameters) =>
        new(JsonNode.Parse(json)!.AsObject(), parameters.ToDictionary(p => p.Item1, p => p.Item2), "test");

    private const string Template = """
        {
          "parameters": { "hub": { "type": "string", "defaultValue": "Rece" }, "count": { "type": "int", "defaultValue": 2 } },
          "variables": {
            "lower": "[toLower(parameters('hub'))]",
            "queues": "[map(range(0, parameters('count')), lambda('i', format('{0}-control-{1}', variables('lower'), padLeft(lambdaVariables('i'), 2, '0'))))]",
            "roles": { "a": "1", "b": "2" },
            "escaped": "[[not an expression]",
            "quote": "[format('it''s {0}', 'x')]"
          },
          "resources": [
            { "type": "T/child", "name": "[format('{0}/{1}', 'parent', items(variables('roles'))[copyIndex()].key)]", "copy": { "name": "c", "count": "[length(items(variables('roles')))]" } },
            { "type": "Microsoft.Resources/deployments", "name": "inner", "condition": "[not(empty(parameters('hub')))]",
              "properties": { "parameters": { "x": { "value": "[variables('lower')]" } },
                "template": { "parameters": { "x": { "type": "string" } }, "resources": [],
                  "outputs": { "y": { "value": "[format('{0}!', parameters('x'))]" }, "id": { "value": "[resourceId('T/thing', parameters('x'))]" } } } } }
          ],
          "outputs": {
            "fromModule": { "value": "[reference(resourceId('Microsoft.Resources/deployments', 'inner'), '2025-04-01').outputs.y.value]" },
            "lazy": { "value": "[if(equals(parameters('count'), 2), 'two', reference('never').x)]" },
            "unknown": { "value": "[concat('st', uniqueString(resourceGroup().id))]" }
          }
        }
        """;

    [Fact]
    public void EvaluatesParametersVariablesLambdasAndEscapes()
    {
        var scope = Scope(Template);

        Assert.Equal(new List<object?> { "rece-control-00", "rece-control-01" }, scope.Variable("queues"));
        Assert.Equal("[not an expression]", scope.Variable("escaped"));
        Assert.Equal("it's x", scope.Variable("quote"));
        Assert.Equal(
            new List<object?> { "other-control-00", "other-control-01", "other-control-02" },
            Scope(Template, ("hub", "OTHER"), ("count", 3L)).Variable("queues")
        );
    }

    [Fact]
    public void ExpandsCopyLoopsAndFollowsModuleOutputs()
    {
        var scope = Scope(Template);

        Assert.Equal(["a", "b"], scope.Resources().Where(r => r.Type == "T/child").Select(r => r.LeafName));
        Assert.Equal("rece!", scope.Output("fromModule"));
        Assert.Equal("resourceId('T/thing', 'rece')", ArmValues.Render(scope.Module("inner").Output("id")));
        Assert.False(
            Scope(Template, ("hub", "")).Resources().Single(r => r.Type == "Microsoft.Resources/deployments").Deployed
        );
    }

    [Fact]
    public void KeepsWhatOnlyAzureKnowsAsCallsAndEvaluatesIfLazily()
    {
        var scope = Scope(Template);

        Assert.Equal("two", scope.Output("lazy"));
        Assert.Equal("concat('st', uniqueString(resourceGroup().id))", ArmValues.Render(scope.Output("unknown")));
    }

    [Theory]
    [InlineData("format('{0}'")]
    [InlineData("concat('a',)")]
    [InlineData("'unterminated")]
    [InlineData("parameters('x')) extra")]
    public void MalformedExpressionsAreRejected(string expression)
    {
        Assert.Throws<FormatException>(() => ArmExpression.Parse(expression));
    }
}
