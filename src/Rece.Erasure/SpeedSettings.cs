using System.Text.RegularExpressions;
using Rece.Core.Settings;
using Rece.Engine.Speed;
using Rece.Models.UNet;

namespace Rece.Erasure;

/// <summary>What --method speed runs with: the engine's parameters and which matrices and token rows it
/// edits.</summary>
/// <param name="Projections">"v", "k" or "kv".</param>
/// <param name="AllTokens">Map every token after the start token (SPEED's nudity setting) instead of each text's last
/// word token.</param>
public sealed record SpeedSettings(SpeedParameters Parameters, string Projections, bool AllTokens)
{
    /// <summary>The resolved settings of a request (preset applied).</summary>
    public static SpeedSettings From(EraseSettings settings, IReadOnlyList<string> concepts)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(concepts);
        var parameters = new SpeedParameters
        {
            Threshold = settings.NullSpaceThreshold ?? EraseSettingDefaults.NullSpaceThreshold,
            RetainScale = settings.RetainScale ?? EraseSettingDefaults.RetainScale,
            InvarianceLambda = settings.InvarianceLambda ?? EraseSettingDefaults.InvarianceLambda,
            Augmentations = settings.Augmentations ?? EraseSettingDefaults.Augmentations,
            PriorFilter = settings.PriorFilter != "off",
        };
        // SPEED's code switches to every token exactly when the concept list is ["nudity"].
        bool all = settings.Tokens switch
        {
            "all" => true,
            "last-word" => false,
            _ => concepts is ["nudity"],
        };
        return new SpeedSettings(parameters, settings.Projections ?? "v", all);
    }

    /// <summary>Whether the K/V tensor <paramref name="name"/> is one SPEED edits.</summary>
    public bool Edits(string name) =>
        (
            Projections.Contains('v', StringComparison.Ordinal)
            && name.EndsWith(UNetLayout.ValueSuffix, StringComparison.Ordinal)
        )
        || (
            Projections.Contains('k', StringComparison.Ordinal)
            && name.EndsWith(UNetLayout.KeySuffix, StringComparison.Ordinal)
        );

    /// <summary>Whether <paramref name="text"/> names <paramref name="concept"/> as a whole word, regardless of case
    /// (SPEED's code drops such texts from the preserve set).</summary>
    public static bool NamesConcept(string text, string concept) =>
        Regex.IsMatch(
            text,
            $@"(?<!\w){Regex.Escape(concept)}(?!\w)",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant,
            TimeSpan.FromSeconds(1)
        );
}
