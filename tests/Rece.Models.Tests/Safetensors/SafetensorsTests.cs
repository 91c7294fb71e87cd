using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Rece.Models.Safetensors;

namespace Rece.Models.Tests.Safetensors;

public class SafetensorsTests
{
    private static byte[] Bytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public void EveryDTypeRoundTripsWithShapesAndMetadata()
    {
        using var dir = new TempFolder();
        string path = Path.Combine(dir.Path, "all.safetensors");
        var tensors = Enum.GetValues<TensorDType>()
            .Select(
                (dtype, i) =>
                    new TensorToWrite(
                        $"t.{dtype}",
                        dtype,
                        new long[] { 2, 3 },
                        Bytes(6 * TensorDTypes.ElementSize(dtype), i)
                    )
            )
            .Append(new TensorToWrite("scalar", TensorDType.F32, Array.Empty<long>(), BitConverter.GetBytes(3.5f)))
            .Append(new TensorToWrite("empty", TensorDType.F16, new long[] { 0, 4 }, Array.Empty<byte>()))
            .ToList();
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode \"quoted\"" };

        SafetensorsWriter.Write(path, tensors, metadata);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(metadata, file.Metadata);
        Assert.Equal(tensors.Count, file.Tensors.Count);
        foreach (var expected in tensors)
        {
            var info = file[expected.Name];
            Assert.Equal(expected.DType, info.DType);
            Assert.Equal(expected.Shape, info.Shape);
            Assert.Equal(expected.Data.ToArray(), file.ReadBytes(info));
        }
        Assert.Equal(3.5f, file.ReadSingles(file["scalar"])[0]);
    }

    [Fact]
    public void TheHeaderIsPaddedWithSpacesTo8BytesAndTensorsAreContiguous()
    {
        using var dir = new TempFolder();
        for (int nameLength = 1; nameLength <= 9; nameLength++)
        {
            string path = Path.Combine(dir.Path, $"{nameLength}.safetensors");
            SafetensorsWriter.Write(
                path,
                new[]
                {
                    new TensorToWrite(new string('a', nameLength), TensorDType.F32, new long[] { 3 }, Bytes(12, 1)),
                    new TensorToWrite("b", TensorDType.U8, new long[] { 5 }, Bytes(5, 2)),
                }
            );
            var raw = File.ReadAllBytes(path);
            long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(raw);
            Assert.Equal(0, (8 + n) % 8);
            string header = Encoding.UTF8.GetString(raw, 8, (int)n);
            Assert.Equal(header.TrimEnd(' ').Length + (header.Length - header.TrimEnd(' ').Length), header.Length);
            using var json = JsonDocument.Parse(header);
            Assert.Equal(
                new[] { 0L, 12L },
                json.RootElement.GetProperty(new string('a', nameLength))
                    .GetProperty("data_offsets")
                    .EnumerateArray()
                    .Select(e => e.GetInt64())
            );
            Assert.Equal(
                new[] { 12L, 17L },
                json.RootElement.GetProperty("b").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64())
            );
            Assert.Equal(8 + n + 17, raw.Length);
        }
    }

    [Fact]
    public void AFileInTheReferenceLayoutWrittenByHandIsRead()
    {
        using var dir = new TempFolder();
        string path = Path.Combine(dir.Path, "manual.safetensors");
        string header =
            """{"__metadata__":{"format":"pt"},"b":{"dtype":"F16","shape":[2],"data_offsets":[8,12]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";
        header = header.PadRight(header.Length + (8 - (8 + header.Length) % 8) % 8);
        using (var stream = File.Create(path))
        {
            var length = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(Encoding.UTF8.GetBytes(header));
            stream.Write(BitConverter.GetBytes(1.5f));
            stream.Write(BitConverter.GetBytes(-2f));
            stream.Write(BitConverter.GetBytes((Half)0.25));
            stream.Write(BitConverter.GetBytes((Half)65504));
        }
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(new[] { "a", "b" }, file.Tensors.Select(t => t.Name));
        Assert.Equal(new[] { 1.5f, -2f }, file.ReadSingles(file["a"]));
        Assert.Equal(new[] { 0.25f, 65504f }, file.ReadSingles(file["b"]));
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(header, Encoding.UTF8.GetString(file.HeaderJson.Span));
    }

    [Fact]
    public void HalfAndBFloat16ConversionsRoundLikePyTorch()
    {
        float[] values =
        {
            1f,
            -2f,
            0.5f,
            65504f,
            5.96046448e-8f,
            float.PositiveInfinity,
            float.NegativeInfinity,
            float.NaN,
            1.00390625f,
            1.01171875f,
            0f,
            -0f,
        };
        var half = new byte[values.Length * 2];
        HalfPrecision.SingleToF16(values, half);
        var back = new float[values.Length];
        HalfPrecision.F16ToSingle(half, back);
        Assert.Equal(
            new[] { 1f, -2f, 0.5f, 65504f, 5.96046448e-8f, float.PositiveInfinity, float.NegativeInfinity },
            back.Take(7)
        );
        Assert.True(float.IsNaN(back[7]));

        var bf = new byte[values.Length * 2];
        HalfPrecision.SingleToBF16(values, bf);
        HalfPrecision.BF16ToSingle(bf, back);
        Assert.Equal(1f, back[0]);
        Assert.Equal(65536f, back[3]);
        Assert.True(float.IsNaN(back[7]));
        Assert.Equal(1.0f, back[8]); // 1 + 2^-8 is a tie: rounds to the even 1.0
        Assert.Equal(1.015625f, back[9]); // 1 + 3*2^-8 is a tie: rounds to the even 1 + 2^-6
        Assert.Equal(BitConverter.SingleToUInt32Bits(-0f), BitConverter.SingleToUInt32Bits(back[11]));
    }

    [Fact]
    public void CopyWithReplacedTensorsChangesOnlyThoseBytes()
    {
        using var dir = new TempFolder();
        string source = Path.Combine(dir.Path, "source.safetensors");
        SafetensorsWriter.Write(
            source,
            new[]
            {
                new TensorToWrite("x", TensorDType.F32, new long[] { 4, 4 }, Bytes(64, 1)),
                new TensorToWrite("y", TensorDType.BF16, new long[] { 3 }, Bytes(6, 2)),
                new TensorToWrite("z", TensorDType.I64, new long[] { 2 }, Bytes(16, 3)),
            },
            new Dictionary<string, string> { ["format"] = "pt" }
        );
        string copy = Path.Combine(dir.Path, "copy.safetensors");
        var replacement = Bytes(6, 9);

        using (var file = SafetensorsFile.Open(source))
            SafetensorsWriter.CopyWithReplacedTensors(
                file,
                copy,
                new Dictionary<string, ReadOnlyMemory<byte>> { ["y"] = replacement }
            );

        var a = File.ReadAllBytes(source);
        var b = File.ReadAllBytes(copy);
        Assert.Equal(a.Length, b.Length);
        using var edited = SafetensorsFile.Open(copy);
        long begin = edited.DataStart + edited["y"].Begin;
        Assert.Equal(replacement, b.AsSpan((int)begin, 6).ToArray());
        Assert.True(a.AsSpan(0, (int)begin).SequenceEqual(b.AsSpan(0, (int)begin)));
        Assert.True(a.AsSpan((int)begin + 6).SequenceEqual(b.AsSpan((int)begin + 6)));
    }

    [Fact]
    public void AWrongReplacementLengthLeavesNoFile()
    {
        using var dir = new TempFolder();
        string source = Path.Combine(dir.Path, "source.safetensors");
        SafetensorsWriter.Write(
            source,
            new[] { new TensorToWrite("x", TensorDType.F32, new long[] { 2 }, Bytes(8, 1)) }
        );
        string copy = Path.Combine(dir.Path, "copy.safetensors");
        using var file = SafetensorsFile.Open(source);
        Assert.Throws<ArgumentException>(() =>
            SafetensorsWriter.CopyWithReplacedTensors(
                file,
                copy,
                new Dictionary<string, ReadOnlyMemory<byte>> { ["x"] = new byte[4] }
            )
        );
        Assert.Equal(new[] { source }, Directory.EnumerateFiles(dir.Path));
    }

    [Fact]
    public void AFailedWriteLeavesNeitherTheFileNorAPartialOne()
    {
        using var dir = new TempFolder();
        string path = Path.Combine(dir.Path, "bad.safetensors");
        int calls = 0;
        Assert.ThrowsAny<Exception>(() =>
            SafetensorsWriter.WriteStreaming(
                path,
                new[]
                {
                    new TensorHeader("a", TensorDType.F32, new long[] { 2 }),
                    new TensorHeader("b", TensorDType.F32, new long[] { 2 }),
                },
                i => ++calls == 1 ? new byte[8] : throw new IOException("disk full")
            )
        );
        Assert.Empty(Directory.EnumerateFiles(dir.Path));
        Assert.Throws<ArgumentException>(() =>
            SafetensorsWriter.Write(
                path,
                new[] { new TensorToWrite("a", TensorDType.F32, new long[] { 3 }, new byte[8]) }
            )
        );
        Assert.Empty(Directory.EnumerateFiles(dir.Path));
    }

    [Fact]
    public void ReadingOneTensorDoesNotReadTheOthers()
    {
        using var dir = new TempFolder();
        string path = Path.Combine(dir.Path, "big.safetensors");
        const long big = 1L << 30;
        SafetensorsWriter.WriteStreaming(
            path,
            new[]
            {
                new TensorHeader("small", TensorDType.F32, new long[] { 4 }),
                new TensorHeader("big", TensorDType.U8, new long[] { 0 }),
            },
            i =>
                i == 0
                    ? BitConverter
                        .GetBytes(1f)
                        .Concat(BitConverter.GetBytes(2f))
                        .Concat(BitConverter.GetBytes(3f))
                        .Concat(BitConverter.GetBytes(4f))
                        .ToArray()
                    : Array.Empty<byte>()
        );
        // Rewrite the header so that "big" spans a 1 GiB sparse region after "small".
        string header =
            $$$"""{"small":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"big":{"dtype":"U8","shape":[{{{big}}}],"data_offsets":[16,{{{16 + big}}}]}}""";
        header = header.PadRight(header.Length + (8 - (8 + header.Length) % 8) % 8);
        using (var stream = new FileStream(path, FileMode.Create))
        {
            var length = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(Encoding.UTF8.GetBytes(header));
            stream.Write(
                BitConverter
                    .GetBytes(1f)
                    .Concat(BitConverter.GetBytes(2f))
                    .Concat(BitConverter.GetBytes(3f))
                    .Concat(BitConverter.GetBytes(4f))
                    .ToArray()
            );
            stream.SetLength(stream.Position + big);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        using var file = SafetensorsFile.Open(path);
        var values = file.ReadSingles(file["small"]);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(new[] { 1f, 2f, 3f, 4f }, values);
        Assert.Equal(big, file["big"].ByteLength);
        Assert.True(allocated < 10 << 20, $"allocated {allocated} bytes");
    }

    [Theory]
    [InlineData("short", "shorter than the 8-byte header")]
    [InlineData("huge-length", "exceeds the file")]
    [InlineData("not-json", "not valid JSON")]
    [InlineData("missing-field", "needs \"dtype\", \"shape\" and two \"data_offsets\"")]
    [InlineData("unknown-dtype", "unknown dtype \"F12\"")]
    [InlineData("negative-dim", "negative dimension")]
    [InlineData("wrong-length", "needs 8 bytes but its data_offsets span 4")]
    [InlineData("outside", "truncated file")]
    [InlineData("overlap", "overlap")]
    [InlineData("pickle", "PyTorch pickle checkpoint")]
    [InlineData("zip", "PyTorch pickle checkpoint")]
    public void MalformedFilesAreRefusedWithTheProblemAndTheFile(string kind, string message)
    {
        using var dir = new TempFolder();
        string path = Path.Combine(dir.Path, kind + ".safetensors");
        byte[] WithHeader(string json, int dataBytes)
        {
            var header = Encoding.UTF8.GetBytes(json);
            var bytes = new byte[8 + header.Length + dataBytes];
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
            header.CopyTo(bytes, 8);
            return bytes;
        }
        byte[] content = kind switch
        {
            "short" => new byte[] { 1, 2, 3 },
            "huge-length" => BitConverter.GetBytes(1_000_000L).Concat(new byte[16]).ToArray(),
            "not-json" => WithHeader("{not json", 0),
            "missing-field" => WithHeader("""{"a":{"dtype":"F32","shape":[2]}}""", 8),
            "unknown-dtype" => WithHeader("""{"a":{"dtype":"F12","shape":[2],"data_offsets":[0,8]}}""", 8),
            "negative-dim" => WithHeader("""{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", 8),
            "wrong-length" => WithHeader("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", 8),
            "outside" => WithHeader("""{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 8),
            "overlap" => WithHeader(
                """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""",
                12
            ),
            "pickle" => new byte[] { 0x80, 0x02, 0x7d, 0x71, 0, 0, 0, 0, 0, 0 },
            "zip" => new byte[] { (byte)'P', (byte)'K', 3, 4, 0, 0, 0, 0, 0, 0 },
            _ => throw new ArgumentException(kind),
        };
        File.WriteAllBytes(path, content);
        var error = Assert.Throws<ModelFormatException>(() => SafetensorsFile.Open(path));
        Assert.Contains(message, error.Message);
        Assert.Contains(path, error.Message);
    }
}
