using System.Buffers.Binary;
using System.Text;
using Rece.Models.Safetensors;

namespace Rece.Cli.Tests;

/// <summary>Inputs the math or the parsers cannot use get one clean `error:` line and exit code 2, never a stack trace,
/// and nothing is written.</summary>
public sealed class HostileInputTests : CommandLineTest
{
    [Theory]
    [InlineData("--erase-scale", "1e308")]
    [InlineData("--uce-erase-scale", "1e308")]
    public void SettingsThatOverflowTheMathAreAClearError(string option, string value)
    {
        string model = Fixture();
        string output = Path.Combine(Root, "out");
        var (exit, _, stderr) = Rece(
            "erase",
            "--model",
            model,
            "--concept",
            "nudity",
            "--out",
            output,
            "--patch-only",
            "--quiet",
            option,
            value
        );

        Assert.Equal(2, exit);
        Assert.StartsWith("error: ", stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void AModelWithNonFiniteWeightsIsAClearError()
    {
        string model = Fixture();
        string weights = Directory.GetFiles(Path.Combine(model, "unet"), "*.safetensors").Single();
        TensorInfo key;
        long dataStart;
        using (var file = SafetensorsFile.Open(weights))
        {
            key = file.Tensors.First(t => t.Name.EndsWith("attn2.to_k.weight", StringComparison.Ordinal));
            dataStart = file.DataStart;
        }
        Assert.Equal(TensorDType.F32, key.DType);
        using (var stream = new FileStream(weights, FileMode.Open, FileAccess.Write))
        {
            stream.Position = dataStart + key.Begin;
            var nan = new byte[4];
            BinaryPrimitives.WriteSingleLittleEndian(nan, float.NaN);
            stream.Write(nan);
        }
        string output = Path.Combine(Root, "out");
        var (exit, _, stderr) = Rece(
            "erase",
            "--model",
            model,
            "--concept",
            "nudity",
            "--out",
            output,
            "--patch-only",
            "--quiet"
        );

        Assert.Equal(2, exit);
        Assert.StartsWith("error: ", stderr);
        Assert.Contains("not finite", stderr);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void ATensorShapeWhoseSizeOverflowsIsAClearError()
    {
        string model = Fixture();
        string weights = Directory.GetFiles(Path.Combine(model, "text_encoder"), "*.safetensors").Single();
        string header = """{"x": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 16]}}""";
        var bytes = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + bytes.Length + 16];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)bytes.Length);
        bytes.CopyTo(file, 8);
        File.WriteAllBytes(weights, file);

        var (exit, _, stderr) = Rece(
            "erase",
            "--model",
            model,
            "--concept",
            "nudity",
            "--out",
            Path.Combine(Root, "out"),
            "--patch-only",
            "--quiet"
        );

        Assert.Equal(2, exit);
        Assert.StartsWith("error: ", stderr);
        Assert.Contains("overflows", stderr);
    }

    [Theory]
    [InlineData("\u0000\u0001\u0002binary")]
    [InlineData("")]
    public void AMalformedPromptFileIsAClearError(string content)
    {
        string model = Fixture();
        string csv = Path.Combine(Root, "prompts.csv");
        File.WriteAllText(csv, content);
        string output = Path.Combine(Root, "images");
        var (exit, _, stderr) = Rece("generate", "--model", model, "--prompts", csv, "--out", output, "--steps", "1");

        Assert.Equal(2, exit);
        Assert.Single(stderr.Split('\n'), line => line.StartsWith("error: ", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", stderr);
        Assert.False(Directory.Exists(output));
        Assert.Equal(content, File.ReadAllText(csv));
    }
}
