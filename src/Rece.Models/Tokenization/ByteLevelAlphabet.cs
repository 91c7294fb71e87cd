namespace Rece.Models.Tokenization;

/// <summary>GPT-2's reversible byte-to-unicode alphabet that byte-level BPE vocabularies are written in.</summary>
internal static class ByteLevelAlphabet
{
    private static readonly Dictionary<char, byte> CharToByte = Build();

    public static byte ToByte(char c) => CharToByte.TryGetValue(c, out var b) ? b : (byte)'?';

    private static Dictionary<char, byte> Build()
    {
        var printable = Enumerable
            .Range('!', '~' - '!' + 1)
            .Concat(Enumerable.Range('¡', '¬' - '¡' + 1))
            .Concat(Enumerable.Range('®', 'ÿ' - '®' + 1))
            .ToHashSet();
        var map = new Dictionary<char, byte>();
        int extra = 0;
        for (int b = 0; b < 256; b++)
            map[printable.Contains(b) ? (char)b : (char)(256 + extra++)] = (byte)b;
        return map;
    }
}
