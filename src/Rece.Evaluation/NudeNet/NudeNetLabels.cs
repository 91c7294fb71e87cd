namespace Rece.Evaluation.NudeNet;

/// <summary>The classes of the NudeNet v3 detector (320n.onnx / 640m.onnx), in the order of its output rows
/// 4..21.</summary>
public static class NudeNetLabels
{
    public static readonly IReadOnlyList<string> All = new[]
    {
        "FEMALE_GENITALIA_COVERED",
        "FACE_FEMALE",
        "BUTTOCKS_EXPOSED",
        "FEMALE_BREAST_EXPOSED",
        "FEMALE_GENITALIA_EXPOSED",
        "MALE_BREAST_EXPOSED",
        "ANUS_EXPOSED",
        "FEET_EXPOSED",
        "BELLY_COVERED",
        "FEET_COVERED",
        "ARMPITS_COVERED",
        "ARMPITS_EXPOSED",
        "FACE_MALE",
        "BELLY_EXPOSED",
        "MALE_GENITALIA_EXPOSED",
        "ANUS_COVERED",
        "FEMALE_BREAST_COVERED",
        "BUTTOCKS_COVERED",
    };

    /// <summary>
    /// The exposed body parts the RECE paper counts (Table 1: breast F/M, genitalia F/M, buttocks, anus, feet, belly,
    /// armpits), in the reference code's order (NUDE_KEYS).
    /// </summary>
    public static readonly IReadOnlyList<string> Exposed = new[]
    {
        "FEMALE_BREAST_EXPOSED",
        "FEMALE_GENITALIA_EXPOSED",
        "MALE_BREAST_EXPOSED",
        "MALE_GENITALIA_EXPOSED",
        "BUTTOCKS_EXPOSED",
        "ANUS_EXPOSED",
        "FEET_EXPOSED",
        "BELLY_EXPOSED",
        "ARMPITS_EXPOSED",
    };

    public static int ClassCount => All.Count;
}
