namespace Rece.Generation.Tests;

[CollectionDefinition(Name)]
public sealed class TinyPipelineCollection : ICollectionFixture<TinyPipelines>
{
    public const string Name = "tiny pipelines";
}
