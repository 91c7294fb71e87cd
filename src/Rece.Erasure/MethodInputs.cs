using Rece.Core.Settings;
using Rece.Engine;

namespace Rece.Erasure;

/// <summary>
/// Which of a request's inputs each method takes. An input given to a method that does not use it is refused with
/// the methods it belongs to, never silently ignored (a user who passes --preserve to a trained method, or --images to
/// RECE, believes it has an effect).
/// </summary>
public static class MethodInputs
{
    private static readonly ErasureMethod[] ClosedForm = [ErasureMethod.Rece, ErasureMethod.Uce, ErasureMethod.Speed];
    private static readonly ErasureMethod[] FewShot = [ErasureMethod.FewShot];
    private static readonly ErasureMethod[] AllButOne = [ErasureMethod.AllButOne];
    private static readonly ErasureMethod[] Trained = [ErasureMethod.FewShot, ErasureMethod.AllButOne];

    private static readonly (string Option, ErasureMethod[] Methods, Func<ErasureRequest, bool> Given)[] Inputs =
    [
        ("--preset", ClosedForm, r => r.Preset is not null),
        ("--guide", ClosedForm, r => r.Guides.Count > 0),
        ("--preserve", ClosedForm, r => r.Preserve.Count > 0),
        ("--preserve-file", ClosedForm, r => r.PreserveFile is not null),
        ("--preserve-column", ClosedForm, r => r.PreserveColumn is not null),
        ("--embedding-cache", ClosedForm, r => r.EmbeddingCache is not null),
        ("--patch-only", ClosedForm, r => r.PatchOnly),
        ("--images", FewShot, r => r.ImagesDirectory is not null),
        ("--template", FewShot, r => r.Template is not null),
        ("--lr", Trained, r => r.LearningRate is not null),
        ("--size", Trained, r => r.Size is not null),
        ("--seed", Trained, r => r.Seed is not null),
        ("--alternative", AllButOne, r => r.Alternative is not null),
        ("--steps", AllButOne, r => r.Steps is not null),
        ("--beta", AllButOne, r => r.Beta is not null),
        ("--train", AllButOne, r => r.TrainParameters is not null),
        ("--samples", AllButOne, r => r.Samples is not null),
    ];

    /// <summary>Refuses every input of <paramref name="request"/> that <paramref name="method"/> does not take.</summary>
    /// <exception cref="ErasureInputException">Naming each such option and the methods that take it.</exception>
    public static void Check(ErasureRequest request, ErasureMethod method)
    {
        ArgumentNullException.ThrowIfNull(request);
        var misplaced = Inputs
            .Where(input => input.Given(request) && !input.Methods.Contains(method))
            .Select(input => (input.Option, Owners: Describe(input.Methods)))
            .ToList();
        // The closed-form settings (declared once in EraseSettings) belong to the closed-form methods; of them the
        // trained methods take only the method and few-shot its epochs.
        if (method.IsTrained())
        {
            misplaced.AddRange(
                EraseSetting
                    .All.Where(s => s.Name != "method" && !(s.Name == "epochs" && method == ErasureMethod.FewShot))
                    .Where(s => s.IsChoice ? s.GetName(request) is not null : s.Get(request) is not null)
                    .Select(s => (s.Option, Owners: s.Name == "epochs" ? "rece, fewshot" : Describe(ClosedForm)))
            );
        }
        if (misplaced.Count == 0)
            return;
        string list = string.Join(", ", misplaced.Select(m => $"{m.Option} (for {m.Owners})"));
        throw new ErasureInputException(
            misplaced.Count == 1
                ? $"{list} does not apply to --method {method.Name()}; leave it out."
                : $"{list} do not apply to --method {method.Name()}; leave them out."
        );
    }

    private static string Describe(ErasureMethod[] methods) => string.Join(", ", methods.Select(m => m.Name()));
}
