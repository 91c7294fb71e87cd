namespace Rece.Orchestration.Requests;

/// <summary>
/// The preset defaults the orchestrator plans with (guide, lambda_R, epochs). The authoritative table is
/// Rece.Erasure.ErasurePreset, which the GPU worker applies; it is mirrored here so that the hosts (the Functions app
/// among them) do not carry TorchSharp. Rece.Worker.Tests checks that both tables agree.
/// </summary>
public sealed record PresetDefaults(string Name, string Guide, double Reg, int Epochs)
{
    public static readonly IReadOnlyList<PresetDefaults> All = new[]
    {
        new PresetDefaults("nudity", " ", 0.1, 3),
        new PresetDefaults("art", "art", 1e-3, 1),
        new PresetDefaults("object", " ", 0.1, 1),
    };

    /// <summary>Used when the request names no preset (as `rece erase`).</summary>
    public static PresetDefaults Default => All[2];

    public static PresetDefaults? Find(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
}
