using Rece.Core.Settings;
using Rece.Engine;

namespace Rece.Erasure;

/// <summary>A request with the preset applied and every input checked: what the job runs.</summary>
public sealed record ResolvedErasure(
    ErasurePreset Preset,
    IReadOnlyList<string> Concepts,
    IReadOnlyList<string> Guides,
    IReadOnlyList<string> Preserve,
    ReceParameters Parameters
)
{
    /// <summary>SPEED's settings, with --method speed; else null.</summary>
    public SpeedSettings? Speed { get; init; }

    /// <summary>Applies the preset and checks everything that can be checked without reading the model.</summary>
    public static ResolvedErasure From(ErasureRequest request)
    {
        var preset = request.Preset is null
            ? ErasurePreset.DefaultFor(request.Method)
            : ErasurePreset.Find(request.Preset)
                ?? throw new ErasureInputException(
                    $"Unknown preset \"{request.Preset}\"; choose one of {ErasurePreset.Names}."
                );
        // Where the request is silent, the preset's settings (its method among them) apply.
        var given = request;
        request = EraseSettings.Fill(request, preset.Settings);
        foreach (var setting in EraseSetting.All)
        {
            if (setting.IsChoice)
            {
                if (setting.GetName(request) is { } name && !setting.Accepts(name))
                    throw new ErasureInputException(
                        $"{setting.Option} must be {setting.Expectation} (got \"{Rece.Core.UserText.Printable(name, 40)}\")."
                    );
            }
            else if (setting.Get(request) is { } value && setting.Problem(value) is { } problem)
            {
                throw new ErasureInputException(
                    FormattableString.Invariant($"{setting.Option} {problem} (got {value}): {setting.Description}")
                );
            }
        }
        var method = ErasureMethods.Parse(request.Method);
        if (method.IsTrained())
            throw new ErasureInputException(
                $"--method {method.Name()} trains weights by gradient and runs from rece erase only; the pipeline does not run it yet."
            );
        MethodInputs.Check(given, method);
        var requested = request.Concepts.Count > 0 ? request.Concepts : preset.DefaultConcepts;
        if (requested.Count == 0)
            throw new ErasureInputException("Name at least one concept to erase (--concept TEXT).");
        if (requested.Any(string.IsNullOrWhiteSpace))
            throw new ErasureInputException(
                "A concept is empty; give the text of the concept to erase, e.g. --concept nudity."
            );
        var concepts = requested.Select(c => c.Trim()).ToList();
        if (concepts.Distinct(StringComparer.Ordinal).Count() != concepts.Count)
            throw new ErasureInputException("The same concept is named twice; name each concept once.");

        var guides = request.Guides.Count switch
        {
            0 => Enumerable.Repeat(preset.Guide, concepts.Count).ToList(),
            1 => Enumerable.Repeat(request.Guides[0], concepts.Count).ToList(),
            var n when n == concepts.Count => request.Guides.ToList(),
            var n => throw new ErasureInputException(
                $"Give one --guide for all concepts or one per concept; got {n} guides for {concepts.Count} concepts."
            ),
        };

        var preserve = request.Preserve.Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => p.Trim()).ToList();
        if (request.PreserveFile is not null)
            preserve.AddRange(PreserveTexts.Load(request.PreserveFile, request.PreserveColumn));
        else if (request.PreserveColumn is not null)
            throw new ErasureInputException("--preserve-column needs --preserve-file.");
        if (preserve.Count == 0 && request.PreserveFile is null && preset.DefaultPreserveList is { } list)
        {
            // The reference matches the erased artists by name regardless of case.
            preserve = PresetLists
                .Get(list)
                .Where(p => !concepts.Contains(p, StringComparer.OrdinalIgnoreCase))
                .ToList();
        }
        // Erasing a concept while preserving it is contradictory: the concept wins, as in the reference code's artist
        // lists; SPEED's code drops every text that names a concept as a whole word.
        preserve = preserve
            .Distinct(StringComparer.Ordinal)
            .Where(p =>
                method == ErasureMethod.Speed
                    ? !concepts.Any(c => SpeedSettings.NamesConcept(p, c))
                    : !concepts.Contains(p, StringComparer.Ordinal)
            )
            .ToList();

        var parameters = new ReceParameters
        {
            Method = method,
            Epochs = request.Epochs ?? preset.Epochs,
            Regularizer = request.Regularizer ?? preset.Regularizer,
            UceLambda = request.UceLambda ?? EraseSettingDefaults.UceLambda,
            UceEraseScale = request.UceEraseScale ?? EraseSettingDefaults.UceEraseScale,
            UcePreserveScale = request.UcePreserveScale,
            Lambda = request.Lambda ?? EraseSettingDefaults.Lambda,
            EraseScale = request.EraseScale ?? EraseSettingDefaults.EraseScale,
            PreserveScale = request.PreserveScale ?? EraseSettingDefaults.PreserveScale,
            Derivation = request.Derivation switch
            {
                "standardreg" => Derivation.StandardReg,
                "surrogatereg" => Derivation.SurrogateReg,
                _ => Derivation.RegZero,
            },
            PreserveMode = request.PreserveMode == "null-space" ? PreserveMode.NullSpace : PreserveMode.Weighted,
            NullSpaceThreshold = request.NullSpaceThreshold ?? EraseSettingDefaults.NullSpaceThreshold,
        };
        try
        {
            parameters.Validate(preserve.Count);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw ErasureInputException.From(e);
        }
        if (method != ErasureMethod.Rece && given.Epochs is > 0)
            throw new ErasureInputException(
                $"--epochs applies to --method rece; {method.Name()} is a single closed-form edit."
            );
        return new ResolvedErasure(preset, concepts, guides, preserve, parameters)
        {
            Speed = method == ErasureMethod.Speed ? SpeedSettings.From(request, concepts) : null,
        };
    }
}
