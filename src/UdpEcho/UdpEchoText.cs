using System.Globalization;
using System.Text;

namespace UdpEcho;

/// <summary>
/// Turns a datagram's bytes into one line of text that is safe to print to a terminal or a log, whoever sent it.
/// </summary>
/// <remarks>
/// <para>
/// A datagram is chosen by its sender, and a terminal obeys what it prints: a newline would forge a second log line,
/// and an escape sequence can clear the screen, set the window title or worse. <see cref="ToPrintable(ReadOnlySpan{byte})"/>
/// decodes UTF-8 and shows every character that could act on a terminal as an escape: <c>\n</c>, <c>\r</c>, <c>\t</c>,
/// <c>\xNN</c> for the other C0 controls and DEL (ESC is <c>\x1b</c>), <c>\uNNNN</c> for C1 controls, line and
/// paragraph separators and bidirectional overrides, and <c>\xNN</c> for each byte that is not valid UTF-8.
/// </para>
/// <para>
/// Printable text, non-ASCII letters and emoji included, comes out unchanged, backslashes too: so <c>hello</c> prints
/// as <c>hello</c>, as a plain echo server would print it. A payload longer than the limit is cut at a character boundary
/// and ends with <c>… [N bytes]</c>.
/// </para>
/// </remarks>
public static class UdpEchoText
{
    /// <summary>The most characters of payload <see cref="ToPrintable(ReadOnlySpan{byte})"/> shows before it shortens.</summary>
    public const int DefaultMaxCharacters = 512;

    /// <summary>Shows <paramref name="payload"/> as one safe line of at most <see cref="DefaultMaxCharacters"/> characters of payload.</summary>
    /// <param name="payload">The datagram's bytes.</param>
    /// <returns>The text, with control characters and invalid UTF-8 escaped, never containing a line break.</returns>
    public static string ToPrintable(ReadOnlySpan<byte> payload) => ToPrintable(payload, DefaultMaxCharacters);

    /// <summary>Shows <paramref name="payload"/> as one safe line of at most <paramref name="maxCharacters"/> characters of payload.</summary>
    /// <param name="payload">The datagram's bytes.</param>
    /// <param name="maxCharacters">How many characters of payload to show at most (an escape counts for its length); at least 1.</param>
    /// <returns>The text, with control characters and invalid UTF-8 escaped, never containing a line break.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxCharacters"/> is less than 1.</exception>
    public static string ToPrintable(ReadOnlySpan<byte> payload, int maxCharacters)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCharacters, 1);
        var text = new StringBuilder(Math.Min(payload.Length, maxCharacters) + 16);
        var rest = payload;
        while (!rest.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(rest, out var rune, out var consumed);
            var start = text.Length;
            if (status != System.Buffers.OperationStatus.Done)
            {
                // Each byte of an invalid or cut-short sequence on its own: nothing is lost, nothing reaches the terminal raw.
                consumed = 1;
                text.Append(CultureInfo.InvariantCulture, $"\\x{rest[0]:x2}");
            }
            else
            {
                Append(text, rune);
            }

            if (text.Length > maxCharacters)
            {
                text.Length = start;
                text.Append(CultureInfo.InvariantCulture, $"… [{payload.Length} bytes]");
                break;
            }

            rest = rest[consumed..];
        }

        return text.ToString();
    }

    private static void Append(StringBuilder text, Rune rune)
    {
        var value = rune.Value;
        switch (value)
        {
            case '\n':
                text.Append("\\n");
                return;
            case '\r':
                text.Append("\\r");
                return;
            case '\t':
                text.Append("\\t");
                return;
            case < 0x20 or 0x7F:
                text.Append(CultureInfo.InvariantCulture, $"\\x{value:x2}");
                return;
            case (>= 0x80 and <= 0x9F) or 0x061C or 0x200E or 0x200F or 0x2028 or 0x2029 or (>= 0x202A and <= 0x202E) or (>= 0x2066 and <= 0x2069):
                // C1 controls (0x9B is a one-byte CSI on some terminals), line and paragraph separators, and the
                // bidirectional controls that make text read other than it is stored.
                text.Append(CultureInfo.InvariantCulture, $"\\u{value:x4}");
                return;
            default:
                Span<char> chars = stackalloc char[2];
                text.Append(chars[..rune.EncodeToUtf16(chars)]);
                return;
        }
    }
}
