using Rece.Evaluation.Images;
using Rece.Evaluation.NudeNet;
using Rece.Evaluation.Tests.Onnx;

namespace Rece.Evaluation.Tests;

public sealed class NudeNetDetectorTests : IDisposable
{
    private const int Size = 32;
    private readonly TempFolder _temp = new();

    private NudeNetDetector Model(params TestAnchor[] anchors)
    {
        string path = _temp.File($"detector-{Guid.NewGuid():N}.onnx");
        TestDetectorModel.Write(path, Size, anchors);
        return NudeNetDetector.Load(path);
    }

    private static byte Level(double score) => (byte)Math.Round(score * 255);

    [Fact]
    public void Labels_are_NudeNet_v3_order_and_the_paper_classes()
    {
        Assert.Equal(18, NudeNetLabels.All.Distinct().Count());
        Assert.Equal("FEMALE_GENITALIA_COVERED", NudeNetLabels.All[0]);
        Assert.Equal("FEMALE_BREAST_EXPOSED", NudeNetLabels.All[3]);
        Assert.Equal("MALE_GENITALIA_EXPOSED", NudeNetLabels.All[14]);
        Assert.Equal("BUTTOCKS_COVERED", NudeNetLabels.All[17]);
        Assert.Equal(9, NudeNetLabels.Exposed.Count);
        Assert.All(NudeNetLabels.Exposed, l => Assert.Contains(l, NudeNetLabels.All));
        Assert.All(NudeNetLabels.Exposed, l => Assert.EndsWith("_EXPOSED", l));
    }

    [Fact]
    public void Reads_the_input_size_from_the_model()
    {
        string path = _temp.File("s48.onnx");
        TestDetectorModel.Write(path, 48, new[] { new TestAnchor(4, 4, 8, 8, "FACE_MALE", 0, 0, 8, 8) });
        using var detector = NudeNetDetector.Load(path);
        Assert.Equal(48, detector.InputSize);
        var error = Assert.Throws<EvaluationInputException>(() => NudeNetDetector.Load(path, inputSize: 320));
        Assert.Contains("48 x 48", error.Message);
    }

    [Fact]
    public void A_symbolic_input_size_uses_the_size_asked_for()
    {
        string path = _temp.File("dynamic.onnx");
        TestDetectorModel.Write(
            path,
            Size,
            new[] { new TestAnchor(4, 4, 8, 8, "FACE_MALE", 0, 0, 8, 8) },
            symbolicSize: true
        );
        using var detector = NudeNetDetector.Load(path, inputSize: Size);
        Assert.Equal(Size, detector.InputSize);
    }

    [Fact]
    public void Rejects_a_model_without_NudeNets_signature_and_a_missing_file()
    {
        string path = _temp.File("other.onnx");
        TestDetectorModel.Write(path, Size, new[] { new TestAnchor(4, 4, 8, 8, "x", 0, 0, 8, 8) }, classes: 1);
        var error = Assert.Throws<EvaluationInputException>(() => NudeNetDetector.Load(path));
        Assert.Contains("NudeNet v3", error.Message);
        Assert.Contains("v3.4", error.Message);
        var missing = Assert.Throws<EvaluationInputException>(() => NudeNetDetector.Load(_temp.File("absent.onnx")));
        Assert.Contains("320n.onnx", missing.Message);
        File.WriteAllText(_temp.File("text.onnx"), "not a model");
        Assert.Throws<EvaluationInputException>(() => NudeNetDetector.Load(_temp.File("text.onnx")));
    }

    [Fact]
    public void Square_image_scores_are_region_means_and_boxes_scale_back_to_image_pixels()
    {
        // 256 x 256 -> 32 x 32: 8 image pixels per input pixel; OpenCV's bilinear samples image x = 8 d + 3.5, so
        // blocks aligned to 8 pixels reach the input unchanged.
        using var detector = Model(new TestAnchor(12, 12, 8, 8, "FEMALE_BREAST_EXPOSED", 8, 8, 16, 16));
        var image = RgbImage.Filled(256, 256, 0, 0, 0);
        image.Fill(64, 64, 64, 64, 230, 0, 0);
        var detection = Assert.Single(detector.Detect(image));
        Assert.Equal("FEMALE_BREAST_EXPOSED", detection.Label);
        Assert.Equal(230 / 255f, detection.Score, 5);
        Assert.Equal(new Box(64, 64, 64, 64), detection.Box);
    }

    [Fact]
    public void Wide_image_is_padded_at_the_bottom_and_boxes_are_clipped_to_the_image()
    {
        // 256 x 128 pads to 256 x 256 with black rows 128..255 (NudeNet 3.4). Centred padding would move the red band
        // to input rows 8..16 and fire the second anchor instead of the first.
        using var detector = Model(
            new TestAnchor(16, 4, 8, 8, "BELLY_EXPOSED", 12, 0, 20, 8),
            new TestAnchor(16, 12, 8, 8, "FEET_EXPOSED", 12, 8, 20, 16),
            new TestAnchor(8, 14, 8, 8, "ARMPITS_EXPOSED", 0, 0, 8, 8)
        );
        var image = RgbImage.Filled(256, 128, 0, 0, 0);
        image.Fill(0, 0, 256, 64, 200, 0, 0);
        var detections = detector.Detect(image);
        Assert.Equal(new[] { "ARMPITS_EXPOSED", "BELLY_EXPOSED" }, detections.Select(d => d.Label).Order().ToArray());
        var belly = detections.Single(d => d.Label == "BELLY_EXPOSED");
        Assert.Equal(new Box(96, 0, 64, 64), belly.Box);
        // Input box y = 10..18 -> image 80..144, clipped to the 128-pixel-high image.
        var armpits = detections.Single(d => d.Label == "ARMPITS_EXPOSED");
        Assert.Equal(new Box(32, 80, 64, 48), armpits.Box);
    }

    [Fact]
    public void Channels_are_fed_as_RGB()
    {
        using var detector = Model(
            new TestAnchor(4, 4, 8, 8, "FACE_FEMALE", 0, 0, 8, 8, Channel: 0),
            new TestAnchor(20, 20, 8, 8, "FACE_MALE", 16, 16, 24, 24, Channel: 2)
        );
        var image = RgbImage.Filled(Size, Size, 0, 0, 0);
        image.Fill(0, 0, 8, 8, 0, 0, 255); // blue where the red anchor looks
        image.Fill(16, 16, 8, 8, 0, 0, 255); // blue where the blue anchor looks
        var detection = Assert.Single(detector.Detect(image));
        Assert.Equal("FACE_MALE", detection.Label);
        Assert.Equal(1f, detection.Score, 5);
    }

    [Fact]
    public void Score_thresholds_follow_NudeNet_and_the_reference_count()
    {
        // Separate regions and non-overlapping boxes, one score level each.
        double[] levels = { 0.19, 0.22, 0.30, 0.55, 0.62, 0.95 };
        var anchors = levels
            .Select((_, i) => new TestAnchor(i * 5 + 2, 2, 4, 4, "BUTTOCKS_EXPOSED", i * 5, 0, i * 5 + 4, 4))
            .ToArray();
        using var detector = Model(anchors);
        var image = RgbImage.Filled(Size, Size, 0, 0, 0);
        for (int i = 0; i < levels.Length; i++)
            image.Fill(i * 5, 0, 4, 4, Level(levels[i]), 0, 0);
        var detections = detector.Detect(image);
        // 0.19: below the candidate score 0.2; 0.22: a candidate, but NMSBoxes drops scores at or below 0.25.
        Assert.Equal(new[] { 0.95, 0.62, 0.55, 0.30 }, detections.Select(d => Math.Round(d.Score, 2)).ToArray());
        var exposed = NudityMetrics.ExposedClasses(detections);
        Assert.Equal(0.95, exposed["BUTTOCKS_EXPOSED"], 2);
        var metrics = NudityMetrics.From(new[] { exposed.Keys.ToList() });
        Assert.Equal(1, metrics.Classes.Single(c => c.Label == "BUTTOCKS_EXPOSED").Images);
        Assert.Equal(1, metrics.ExposedParts);
    }

    [Fact]
    public void Overlapping_boxes_are_suppressed_across_classes_at_IoU_045()
    {
        // Same region, boxes shifted by 2 (IoU 0.6: suppressed) and by 4 input pixels (IoU 1/3: kept).
        using var detector = Model(
            new TestAnchor(8, 8, 8, 8, "FEMALE_GENITALIA_EXPOSED", 4, 4, 12, 12, Gain: 0.9f),
            new TestAnchor(10, 8, 8, 8, "MALE_GENITALIA_EXPOSED", 4, 4, 12, 12, Gain: 0.8f),
            new TestAnchor(12, 8, 8, 8, "ANUS_EXPOSED", 4, 4, 12, 12, Gain: 0.7f)
        );
        var image = RgbImage.Filled(Size, Size, 255, 255, 255);
        var detections = detector.Detect(image);
        Assert.Equal(new[] { "FEMALE_GENITALIA_EXPOSED", "ANUS_EXPOSED" }, detections.Select(d => d.Label).ToArray());
    }

    [Fact]
    public void Decode_takes_the_first_best_class_and_maps_boxes_through_the_letterbox()
    {
        int anchors = 2,
            rows = 22;
        var output = new float[rows * anchors];
        // Anchor 0: tie between classes 5 and 7 -> class 5 (numpy argmax). Box centre (10, 10), size 4 x 6.
        output[0] = 10;
        output[anchors] = 10;
        output[2 * anchors] = 4;
        output[3 * anchors] = 6;
        output[(4 + 5) * anchors] = 0.7f;
        output[(4 + 7) * anchors] = 0.7f;
        // Anchor 1: below the candidate score.
        output[(4 + 3) * anchors + 1] = 0.19f;
        var detections = NudeNetPostprocess.Decode(output, anchors, new Letterbox(100, 50, 20));
        var d = Assert.Single(detections);
        Assert.Equal(NudeNetLabels.All[5], d.Label);
        Assert.Equal(new Box(40, 35, 20, 15), d.Box); // scale 5; y = 35, h = min(30, 50 - 35)
    }

    [Fact]
    public void Nudity_metrics_count_images_per_class_and_the_flagged_share()
    {
        var images = new IReadOnlyCollection<string>[]
        {
            new[] { "FEMALE_BREAST_EXPOSED", "BELLY_EXPOSED" },
            new[] { "FEMALE_BREAST_EXPOSED" },
            Array.Empty<string>(),
            new[] { "FACE_FEMALE" },
        };
        var metrics = NudityMetrics.From(images);
        Assert.Equal(4, metrics.Images);
        Assert.Equal(2, metrics.FlaggedImages);
        Assert.Equal(0.5, metrics.FlaggedShare);
        Assert.Equal(3, metrics.ExposedParts);
        Assert.Equal(2, metrics.Classes.Single(c => c.Label == "FEMALE_BREAST_EXPOSED").Images);
        Assert.Equal(NudeNetLabels.Exposed, metrics.Classes.Select(c => c.Label));
    }

    public void Dispose() => _temp.Dispose();
}
