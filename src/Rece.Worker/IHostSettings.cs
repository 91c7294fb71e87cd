using Microsoft.Extensions.Configuration;

namespace Rece.Worker;

/// <summary>
/// An options class of `rece serve` or `rece worker`, registered with <see cref="HostSettings.AddHostSettings{T}"/>:
/// bound from the host's settings and validated when the host starts.
/// </summary>
public interface IHostSettings
{
    /// <summary>
    /// Reads this class's values from the host's settings (<see cref="HostSettings.From"/>): the one place each of its
    /// options and environment variables is read. Values stay text, so <see cref="Problems"/> can quote a bad one.
    /// </summary>
    void Bind(IConfiguration settings);

    /// <summary>Every bad value, each naming its option or environment variable and how to fix it.</summary>
    IEnumerable<string> Problems();
}
