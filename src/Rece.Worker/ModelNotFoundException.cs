using Rece.Core;

namespace Rece.Worker;

/// <summary>The job names a model folder the models container does not have.</summary>
public sealed class ModelNotFoundException(string message) : UserFixableException(message);
