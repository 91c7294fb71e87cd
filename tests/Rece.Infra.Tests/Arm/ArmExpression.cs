using System.Globalization;
using System.Text;

namespace Rece.Infra.Tests.Arm;

/// <summary>
/// A parsed ARM template language expression (the text between '[' and ']' of a template string):
/// literals, function calls and property/index access. Parsing and evaluating them lets the tests check what
/// a compiled template would put into a setting, a filter or a role scope, instead of matching on text.
/// Written here because no package serves the ARM expression language outside the Bicep CLI itself.
/// </summary>
internal abstract record ArmExpression
{
    public static ArmExpression Parse(string text)
    {
        var parser = new Parser(text);
        var expression = parser.ParseExpression();
        parser.SkipSpace();
        if (!parser.AtEnd)
            throw new FormatException($"Unexpected '{text[parser.Position..]}' in ARM expression '{text}'.");
        return expression;
    }

    /// <summary>True when a template string holds an expression ("[...]", not the escaped "[[...").</summary>
    public static bool IsExpression(string value) =>
        value.Length >= 2 && value[0] == '[' && value[^1] == ']' && !value.StartsWith("[[", StringComparison.Ordinal);

    public sealed record Literal(object? Value) : ArmExpression;

    public sealed record Call(string Name, IReadOnlyList<ArmExpression> Arguments) : ArmExpression;

    public sealed record Member(ArmExpression Target, string Name) : ArmExpression;

    public sealed record Index(ArmExpression Target, ArmExpression Key) : ArmExpression;

    private sealed class Parser(string text)
    {
        public int Position { get; private set; }

        public bool AtEnd => Position >= text.Length;

        public void SkipSpace()
        {
            while (!AtEnd && char.IsWhiteSpace(text[Position]))
                Position++;
        }

        public ArmExpression ParseExpression()
        {
            SkipSpace();
            ArmExpression expression = ParsePrimary();
            while (true)
            {
                SkipSpace();
                if (AtEnd)
                    return expression;
                if (text[Position] == '.')
                {
                    Position++;
                    expression = new Member(expression, ParseIdentifier());
                }
                else if (text[Position] == '[')
                {
                    Position++;
                    var key = ParseExpression();
                    Expect(']');
                    expression = new Index(expression, key);
                }
                else
                {
                    return expression;
                }
            }
        }

        private ArmExpression ParsePrimary()
        {
            SkipSpace();
            if (AtEnd)
                throw new FormatException($"ARM expression '{text}' ends early.");
            char c = text[Position];
            if (c == '\'')
                return new Literal(ParseString());
            if (char.IsDigit(c) || c == '-')
            {
                int start = Position++;
                while (!AtEnd && char.IsDigit(text[Position]))
                    Position++;
                return new Literal(long.Parse(text[start..Position], CultureInfo.InvariantCulture));
            }
            string name = ParseIdentifier();
            SkipSpace();
            Expect('(');
            var arguments = new List<ArmExpression>();
            SkipSpace();
            if (!AtEnd && text[Position] == ')')
            {
                Position++;
                return new Call(name, arguments);
            }
            while (true)
            {
                arguments.Add(ParseExpression());
                SkipSpace();
                if (AtEnd)
                    throw new FormatException($"ARM expression '{text}' ends inside {name}(...).");
                if (text[Position] == ',')
                {
                    Position++;
                    continue;
                }
                Expect(')');
                return new Call(name, arguments);
            }
        }

        private string ParseString()
        {
            var value = new StringBuilder();
            Position++; // opening quote
            while (true)
            {
                if (AtEnd)
                    throw new FormatException($"Unterminated string in ARM expression '{text}'.");
                char c = text[Position++];
                if (c != '\'')
                {
                    value.Append(c);
                    continue;
                }
                if (!AtEnd && text[Position] == '\'')
                {
                    value.Append('\'');
                    Position++;
                    continue;
                }
                return value.ToString();
            }
        }

        private string ParseIdentifier()
        {
            SkipSpace();
            int start = Position;
            while (!AtEnd && (char.IsLetterOrDigit(text[Position]) || text[Position] == '_' || text[Position] == '$'))
                Position++;
            if (start == Position)
                throw new FormatException($"Expected a name at {start} in ARM expression '{text}'.");
            return text[start..Position];
        }

        private void Expect(char c)
        {
            SkipSpace();
            if (AtEnd || text[Position] != c)
                throw new FormatException($"Expected '{c}' at {Position} in ARM expression '{text}'.");
            Position++;
        }
    }
}
