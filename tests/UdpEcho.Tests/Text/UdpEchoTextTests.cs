using System.Text;

namespace UdpEcho.Tests.Text;

/// <summary>What a terminal would do with a stranger's datagram, and what <see cref="UdpEchoText"/> shows instead.</summary>
public sealed class UdpEchoTextTests
{
    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData("hello")]
    [InlineData("héllo wörld")]
    [InlineData("日本語のテキスト")]
    [InlineData("emoji 👍🏽 and 👨‍👩‍👧 families")]
    [InlineData(@"C:\path\with\backslashes")]
    [InlineData("")]
    public async Task ToPrintable_PrintableText_Unchanged(string text)
    {
        Assert.Equal(text, UdpEchoText.ToPrintable(Encoding.UTF8.GetBytes(text)));
        await Task.CompletedTask;
    }

    [Theory(Timeout = TestTimeouts.Short)]
    [InlineData("a\nb", @"a\nb")]
    [InlineData("a\r\nb", @"a\r\nb")]
    [InlineData("tab\there", @"tab\there")]
    [InlineData("bell\a", @"bell\x07")]
    [InlineData("\u001b[2J\u001b]0;title\u0007", @"\x1b[2J\x1b]0;title\x07")]
    [InlineData("nul\0", @"nul\x00")]
    [InlineData("del\u007f", @"del\x7f")]
    [InlineData("c1 csi \u009b31m", @"c1 csi \u009b31m")]
    [InlineData("next line \u0085", @"next line \u0085")]
    [InlineData("line\u2028sep\u2029para", @"line\u2028sep\u2029para")]
    [InlineData("evil\u202Eexe.txt", @"evil\u202eexe.txt")]
    [InlineData("isolate\u2066x\u2069", @"isolate\u2066x\u2069")]
    public async Task ToPrintable_ControlsAndLineBreaks_Escaped(string text, string expected)
    {
        var shown = UdpEchoText.ToPrintable(Encoding.UTF8.GetBytes(text));

        Assert.Equal(expected, shown);
        Assert.DoesNotContain(shown, c => char.IsControl(c) || c is '\u2028' or '\u2029');
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ToPrintable_InvalidUtf8_EachBadByteEscapedAndTheRestKept()
    {
        byte[] bytes = [(byte)'o', (byte)'k', 0xFF, 0xC3, (byte)'!', 0xE2, 0x82, 0xAC, 0xE2, 0x82];

        Assert.Equal(@"ok\xff\xc3!€\xe2\x82", UdpEchoText.ToPrintable(bytes));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ToPrintable_LongPayload_ShortenedWithItsLength()
    {
        var bytes = Encoding.ASCII.GetBytes(new string('x', 5000));

        var shown = UdpEchoText.ToPrintable(bytes, 20);

        Assert.Equal(new string('x', 20) + "… [5000 bytes]", shown);
        Assert.Equal(new string('x', UdpEchoText.DefaultMaxCharacters) + "… [5000 bytes]", UdpEchoText.ToPrintable(bytes));
        Assert.Equal("xxxx", UdpEchoText.ToPrintable("xxxx"u8, 4));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ToPrintable_ShortenedNeverCutsAnEscapeOrACharacterInTwo()
    {
        // Six characters fit; the escape that would cross the limit is left out whole.
        Assert.Equal("abcde… [8 bytes]", UdpEchoText.ToPrintable("abcde\u001bfg"u8, 6));
        Assert.Equal("ab… [10 bytes]", UdpEchoText.ToPrintable("ab👍🏽"u8, 3));
        await Task.CompletedTask;
    }

    [Fact(Timeout = TestTimeouts.Short)]
    public async Task ToPrintable_MaxCharactersBelowOne_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => UdpEchoText.ToPrintable("x"u8, 0));
        await Task.CompletedTask;
    }
}
