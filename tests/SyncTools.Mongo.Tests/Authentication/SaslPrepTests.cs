using SyncTools.Mongo.Authentication;

namespace SyncTools.Mongo.Tests.Authentication;

public class SaslPrepTests
{
    [Theory]
    [InlineData("I\u00ADX", "IX")]            // RFC 4013 section 3: SOFT HYPHEN mapped to nothing
    [InlineData("user", "user")]
    [InlineData("USER", "USER")]
    [InlineData("\u00AA", "a")]               // NFKC
    [InlineData("\u2168", "IX")]              // NFKC
    [InlineData("a\u00A0b", "a b")]           // non-ASCII space mapped to space
    [InlineData("a\u200Bb", "ab")]            // zero-width space: mapped to nothing (B.1) before it could be prohibited
    [InlineData("\u0627\u0628", "\u0627\u0628")] // right-to-left only is fine
    [InlineData("p\U0001F600ss", "p\U0001F600ss")] // an assigned supplementary character
    public void Maps_and_normalizes(string input, string expected)
    {
        Assert.Equal(expected, SaslPrep.Prepare(input));
    }

    [Theory]
    [InlineData("\u0007", "character 1 is an ASCII control character")] // RFC 4013 section 3
    [InlineData("ab\u0627\u0031", "mixes right-to-left and left-to-right")]
    [InlineData("\u0627\u0031", "does not start and end with a right-to-left one")] // RFC 4013 section 3
    [InlineData("ok\uE000", "character 3 is a private-use character")]
    [InlineData("x\U000F0000", "character 2 is a private-use character")]
    [InlineData("a\U000E0041", "character 2 is a tagging character")]
    [InlineData("\u0378", "character 1 is an unassigned code point")]
    public void Refuses_prohibited_text_without_echoing_it(string input, string problem)
    {
        var error = Assert.Throws<ArgumentException>(() => SaslPrep.Prepare(input));

        Assert.Contains(problem, error.Message);
        Assert.DoesNotContain(input, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_lone_surrogate()
    {
        // Built at run time: an attribute's string cannot hold a lone surrogate.
        var input = "x" + (char)0xD800 + "y";
        Assert.Contains("character 2 is a lone surrogate", Assert.Throws<ArgumentException>(() => SaslPrep.Prepare(input)).Message);
    }
}
