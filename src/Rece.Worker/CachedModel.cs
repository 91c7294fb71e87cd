namespace Rece.Worker;

/// <summary>A model folder downloaded from the models container: where it is and the key of the blob versions it
/// holds.</summary>
public sealed record CachedModel(string Name, string Directory, string Key);
