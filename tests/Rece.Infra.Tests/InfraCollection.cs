namespace Rece.Infra.Tests;

[CollectionDefinition(Name)]
public sealed class InfraCollection : ICollectionFixture<CompiledInfra>
{
    public const string Name = "compiled infra";
}
