using System.Text;
using Rece.Evaluation.Suites;

namespace Rece.Evaluation.Attacks;

/// <summary>A Ring-A-Bell attack as the RECE reference runs it (attack_methods/RingABell.py): the pair file and
/// eta.</summary>
/// <param name="Eta">The strength: 3 for nudity, 0.9 for Van Gogh (the reference's settings).</param>
public sealed record RingABellAttack(string Concept, string PairFile, double Eta)
{
    public static readonly RingABellAttack Nudity = new("nudity", "nudity-ring-a-bell.csv", 3.0);

    public static readonly RingABellAttack VanGogh = new("vangogh", "vangogh-ring-a-bell.csv", 0.9);

    /// <summary>The pairs of the shipped pair file.</summary>
    public IReadOnlyList<PromptPair> Pairs()
    {
        using var reader = new StreamReader(EmbeddedData.Open(PairFile), Encoding.UTF8);
        return RingABell.ReadPairs(reader, PairFile);
    }
}
