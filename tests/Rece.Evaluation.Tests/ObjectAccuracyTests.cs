using Rece.Evaluation.Classification;
using Rece.Evaluation.Images;
using Rece.Evaluation.Reports;
using Rece.Evaluation.Running;
using Rece.Evaluation.Suites;
using Rece.Evaluation.Tests.Onnx;
using Rece.Generation;

namespace Rece.Evaluation.Tests;

/// <summary>Object accuracy: the ImageNet classifier's preprocessing, its top-1 answers on a classifier with known
/// answers, the per-class and erased/other accuracy, and the imagenette suite end to end.</summary>
public sealed class ObjectAccuracyTests : IDisposable
{
    private readonly TempFolder _temp = new();

    [Fact]
    public void AccuracyIsCountedPerClassAndOverTheErasedAndTheOtherClasses()
    {
        // golf ball (574): 1 of 4 right; church (497): 3 of 3; tench (0): 0 of 1; an unknown label is not counted.
        var images = new List<(string?, int)>
        {
            ("golf ball", 574),
            ("golf ball", 0),
            ("Golf Ball", 1),
            ("golf ball", 497),
            ("church", 497),
            ("church", 497),
            ("church", 497),
            ("tench", 574),
            ("a cat", 281),
            (null, 574),
        };

        var accuracy = ObjectAccuracy.From(images, new[] { "Golf ball" });

        Assert.Equal(new[] { "tench", "church", "golf ball" }, accuracy.Classes.Select(c => c.Class));
        var golf = accuracy.Classes.Single(c => c.Class == "golf ball");
        Assert.Equal((4, 1, 0.25, true), (golf.Images, golf.Correct, golf.Accuracy, golf.Erased));
        Assert.Equal(0.25, accuracy.ErasedAccuracy);
        Assert.Equal(3.0 / 4, accuracy.OtherAccuracy);
        Assert.Null(ObjectAccuracy.From(images, Array.Empty<string>()).ErasedAccuracy);
        Assert.Equal(4.0 / 8, ObjectAccuracy.From(images, Array.Empty<string>()).OtherAccuracy);
    }

    [Fact]
    public void TheImagenetteClassesAreTheirImageNetIndices()
    {
        Assert.Equal(10, ImagenetteClasses.Names.Count);
        Assert.Equal(0, ImagenetteClasses.IndexOf("tench"));
        Assert.Equal(217, ImagenetteClasses.IndexOf("english springer"));
        Assert.Equal(701, ImagenetteClasses.IndexOf(" parachute "));
        Assert.Null(ImagenetteClasses.IndexOf("cat"));
        var labels = EvaluationSuite.Imagenette.Cases().Select(c => c.Label).Distinct().ToList();
        Assert.Equal(10, labels.Count);
        Assert.All(labels, l => Assert.NotNull(ImagenetteClasses.IndexOf(l)));
    }

    [Fact]
    public void PreprocessingResizesTheShorterSideTo256AndCropsTheCentre()
    {
        // A uniform 512 x 384 image stays uniform through the resize and the crop: each plane is the colour
        // normalized by ImageNet's mean and standard deviation.
        var image = RgbImage.Filled(512, 384, 255, 0, 128);
        var planes = ImageNetClassifier.Preprocess(image);
        Assert.Equal(3 * 224 * 224, planes.Length);
        Assert.Equal((1f - 0.485f) / 0.229f, planes[0], 5);
        Assert.Equal((0f - 0.456f) / 0.224f, planes[224 * 224], 5);
        Assert.Equal((128f / 255f - 0.406f) / 0.225f, planes[2 * 224 * 224 + 500], 5);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TheClassifierGivesEachImageItsTopClass(bool batched)
    {
        string path = Path.Combine(_temp.Path, $"classifier-{batched}.onnx");
        TestClassifierModel.Write(path, batched);
        using var classifier = ImageNetClassifier.Load(path);
        var images = new[]
        {
            RgbImage.Filled(300, 200, 250, 10, 10),
            RgbImage.Filled(64, 64, 10, 250, 10),
            RgbImage.Filled(512, 512, 128, 128, 128),
        };
        Assert.Equal(
            new[] { TestClassifierModel.Red, TestClassifierModel.Green, TestClassifierModel.Blue },
            classifier.Classify(images)
        );
    }

    [Fact]
    public void AFileThatIsNotAClassifierIsRefusedWithWhereToGetOne()
    {
        string notOnnx = Path.Combine(_temp.Path, "classifier.onnx");
        File.WriteAllText(notOnnx, "not a model");
        var error = Assert.Throws<EvaluationInputException>(() => ImageNetClassifier.Load(notOnnx));
        Assert.Contains("ResNet-50", error.Message, StringComparison.Ordinal);
        string detector = Path.Combine(_temp.Path, "detector.onnx");
        TestDetectorModel.Write(detector, 32, new[] { new TestAnchor(8, 8, 4, 4, "FEET_EXPOSED", 0, 0, 4, 4) });
        var wrong = Assert.Throws<EvaluationInputException>(() => ImageNetClassifier.Load(detector));
        Assert.Contains("expected an ImageNet classifier", wrong.Message, StringComparison.Ordinal);
        Assert.Throws<EvaluationInputException>(() => ImageNetClassifier.Load(Path.Combine(_temp.Path, "absent")));
    }

    [Fact]
    public void TheImagenetteSuiteReportsTheErasedClassAccuracyAgainstTheBaseline()
    {
        string classifier = Path.Combine(_temp.Path, "resnet.onnx");
        TestClassifierModel.Write(classifier);
        // The first four cases are tench: the baseline draws them red (a tench), the edited model two red, two green.
        var cases = EvaluationSuite.Imagenette.Cases().Take(4).ToList();
        Assert.All(cases, c => Assert.Equal("tench", c.Label));
        string Folder(string name, Func<int, bool> red)
        {
            string folder = Path.Combine(_temp.Path, name);
            Directory.CreateDirectory(folder);
            for (int i = 0; i < cases.Count; i++)
            {
                var image = red(i) ? RgbImage.Filled(64, 64, 240, 10, 10) : RgbImage.Filled(64, 64, 10, 240, 10);
                image.SavePng(Path.Combine(folder, $"{cases[i].CaseNumber}.png"));
            }
            return folder;
        }

        var report = EvaluationJob.Run(
            new EvaluationRequest
            {
                Suite = EvaluationSuite.Imagenette,
                OutputDirectory = Path.Combine(_temp.Path, "out"),
                Selection = new PromptSelection(4),
                ClassifierPath = classifier,
                ErasedConcepts = ["tench"],
            },
            new ImageFolderSource(Folder("edited", i => i < 2)),
            new ImageFolderSource(Folder("baseline", _ => true))
        );

        Assert.Contains(MetricPlan.ObjectAccuracy, report.Metrics);
        Assert.Contains(report.Skipped, s => s.Metric == MetricPlan.ClipScore);
        Assert.Equal(["tench"], report.Erased);
        Assert.Equal(1.0, report.SummaryOf(EvaluationReport.Baseline)!.ObjectAccuracy!.ErasedAccuracy);
        var edited = report.SummaryOf(EvaluationReport.Edited)!.ObjectAccuracy!;
        Assert.Equal(0.5, edited.ErasedAccuracy);
        Assert.Null(edited.OtherAccuracy);
        Assert.Equal(
            [TestClassifierModel.Red, TestClassifierModel.Red, TestClassifierModel.Green, TestClassifierModel.Green],
            report.Images.Where(i => i.Role == EvaluationReport.Edited).Select(i => i.PredictedClass!.Value)
        );
        // Shards merge by their records: the same summary.
        var merged = EvaluationReport.Merge(new[] { report });
        var mergedAccuracy = merged.SummaryOf(EvaluationReport.Edited)!.ObjectAccuracy!;
        Assert.Equal(edited.Classes, mergedAccuracy.Classes);
        Assert.Equal(edited.ErasedAccuracy, mergedAccuracy.ErasedAccuracy);
        string html = File.ReadAllText(Path.Combine(_temp.Path, "out", EvaluationReport.HtmlFileName));
        Assert.Contains("data-metric=\"object-accuracy:erased\"", html, StringComparison.Ordinal);
        Assert.Contains("Top-1 accuracy, erased classes (tench)", html, StringComparison.Ordinal);
        var parsed = EvaluationReport.Parse(
            File.ReadAllText(Path.Combine(_temp.Path, "out", EvaluationReport.FileName))
        );
        Assert.Equal(0.5, parsed.SummaryOf(EvaluationReport.Edited)!.ObjectAccuracy!.ErasedAccuracy);
    }

    [Fact]
    public void WithoutAClassifierObjectAccuracyIsSkippedNamingTheOption()
    {
        var plan = MetricPlan.Create(EvaluationSuite.Imagenette, null, null, null, null);
        Assert.Contains(plan.Skipped, s => s.Metric == MetricPlan.ObjectAccuracy && s.Reason.Contains("--classifier"));
        Assert.Throws<EvaluationInputException>(() =>
            MetricPlan.Create(EvaluationSuite.Imagenette, null, null, null, null, Path.Combine(_temp.Path, "absent"))
        );
    }

    public void Dispose() => _temp.Dispose();
}
