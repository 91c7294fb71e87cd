using Rece.Core;

namespace Rece.Worker;

/// <summary>`rece worker` was started with settings it cannot use; the message names each and what it takes.</summary>
public sealed class WorkerConfigurationException(string message) : UserFixableException(message);
