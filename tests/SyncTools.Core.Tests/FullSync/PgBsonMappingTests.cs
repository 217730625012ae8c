using MongoDB.Bson;
using SyncTools.Core.FullSync;
using Xunit;

namespace SyncTools.Core.Tests.FullSync;

public class PgBsonMappingTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("0.00")]
    [InlineData("-0.00")]
    [InlineData("100")]
    [InlineData("1.50")]
    [InlineData("-12345.67")]
    [InlineData("0.000001")]
    [InlineData("0.00000000000000000000000000000000000000001")]
    [InlineData("1234567890123456789012345678901234")]
    [InlineData("9999999999999999999999999999999999")]
    [InlineData("99999999999999999999999999999999.99")]
    [InlineData("12345678901234567890123456789012345")]
    [InlineData("123456789012345678901234567890123456789.5")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData(".5")]
    [InlineData("5.")]
    [InlineData("1.2.3")]
    [InlineData("-")]
    [InlineData("")]
    public void Numeric_text_parses_to_the_same_Decimal128_as_the_drivers_parser(string text) => AssertSameAsDriver(text);

    [Fact]
    public void Random_numeric_texts_parse_to_the_same_Decimal128_as_the_drivers_parser()
    {
        var random = new Random(20261201);
        for (var n = 0; n < 20_000; n++)
        {
            var digits = new string(Enumerable.Range(0, random.Next(1, 40)).Select(_ => (char)('0' + (random.Next(3) == 0 ? 0 : random.Next(10)))).ToArray());
            var point = random.Next(digits.Length + 1);
            var text = (random.Next(2) == 0 ? "-" : "") + (point > 0 && point < digits.Length ? digits[..point] + "." + digits[point..] : digits);
            AssertSameAsDriver(text);
        }
    }

    private static void AssertSameAsDriver(string text)
    {
        var expected = Decimal128.TryParse(text, out var driver);
        var parsed = PgBsonMapping.TryParseNumeric(System.Text.Encoding.UTF8.GetBytes(text), out var ours);
        Assert.Equal(expected, parsed);
        if (expected) Assert.Equal((driver.GetIEEEHighBits(), driver.GetIEEELowBits()), (ours.GetIEEEHighBits(), ours.GetIEEELowBits()));
    }
}
