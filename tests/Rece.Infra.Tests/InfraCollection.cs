using System.Text.Json.Nodes;
using Rece.Infra.Tests.Arm;

namespace Rece.Infra.Tests;

[CollectionDefinition(Name)]
public sealed class InfraCollection : ICollectionFixture<CompiledInfra>
{
    public const string Name = "compiled infra";
}
