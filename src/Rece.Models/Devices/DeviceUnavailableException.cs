using Rece.Core;

namespace Rece.Models.Devices;

/// <summary>A --device that this machine or this build cannot provide; the message names the problem and the
/// fix.</summary>
public sealed class DeviceUnavailableException(string message) : UserFixableException(message);
