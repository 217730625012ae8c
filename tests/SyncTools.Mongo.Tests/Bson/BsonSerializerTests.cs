using System.Buffers.Binary;
using System.Numerics;
using System.Text.Json;
using SyncTools.Mongo.Bson;

namespace SyncTools.Mongo.Tests.Bson;

public class BsonSerializerTests
{
    [Fact]
    public void The_spec_example_encodes_to_its_published_bytes()
    {
        // bsonspec.org: {"hello": "world"}
        Assert.Equal(
            Convert.FromHexString("160000000268656C6C6F0006000000776F726C640000"),
            BsonSerializer.Serialize(new BsonDocument("hello", "world")));
    }

    [Fact]
    public void A_key_with_NUL_is_refused_not_truncated()
    {
        var error = Assert.Throws<BsonSerializationException>(() => BsonSerializer.Serialize(new BsonDocument("a\0b", 1)));
        Assert.Equal("The element name 'a\\0b' contains a NUL character, which BSON cannot store in a element name.", error.Message);
    }

    [Fact]
    public void A_regex_with_NUL_is_refused()
    {
        Assert.Throws<BsonSerializationException>(() => BsonSerializer.Serialize(new BsonDocument("r", new BsonRegularExpression("a\0"))));
    }

    [Fact]
    public void A_document_over_the_maximum_is_refused_with_its_size()
    {
        using var buffer = new BsonBuffer();
        var document = new BsonDocument("s", new string('x', 2000));

        var error = Assert.Throws<BsonSerializationException>(() => BsonSerializer.Serialize(document, buffer, maxSize: 1000));

        Assert.Equal("The document is 2,013 bytes, over the maximum of 1,000 bytes.", error.Message);
    }

    [Fact]
    public void A_document_that_contains_itself_is_refused()
    {
        var document = new BsonDocument();
        document.Add("self", document);

        Assert.Throws<BsonSerializationException>(() => BsonSerializer.Serialize(document));
    }

    [Fact]
    public void An_unpaired_surrogate_is_refused()
    {
        Assert.Throws<BsonSerializationException>(() => BsonSerializer.Serialize(new BsonDocument("s", "\ud800")));
    }

    public static TheoryData<string, string> Garbage => new()
    {
        { "", "Malformed BSON at byte 0: 4 bytes are needed but the document ends." },
        { "05000000", "Malformed BSON at byte 0: a document length of 5 does not fit the 4 bytes available." },
        { "0400000000", "Malformed BSON at byte 0: a document length of 4 does not fit the 5 bytes available." },
        { "0500000000FF", "Malformed BSON at byte 5: 1 bytes follow the document." },
        { "0B00000010610001000000", "Malformed BSON at byte 11: the document ends without its terminating 0." },
        { "0D000000106100010000000000", "Malformed BSON at byte 12: the document's length does not match its terminating 0." },
        { "0C0000000861000200000000", "Malformed BSON at byte 7: a boolean byte is 2, not 0 or 1." },
        { "0C0000002061000100000000", "Malformed BSON at byte 7: 0x20 is not a BSON type." },
        { "0E00000002610002000000FF0000", "Malformed BSON at byte 11: a string is not valid UTF-8." },
        { "0E000000026100FF000000410000", "Malformed BSON at byte 7: a string length of 255 does not fit the document." },
        { "0E00000002610002000000414100", "Malformed BSON at byte 12: a string does not end with 0." },
        { "0C0000000D61000100000000", "Malformed BSON at byte 7: the deprecated BSON type JavaScript (0x0D) is not supported." },
        { "0800000010616161", "Malformed BSON at byte 5: a name runs past the document without its terminating 0." },
        { "0800000010616100", "Malformed BSON at byte 8: 4 bytes are needed but the document ends." },
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public void Garbage_bytes_are_a_clear_error_never_a_crash(string hex, string message)
    {
        var error = Assert.Throws<BsonSerializationException>(() => BsonSerializer.Deserialize(Convert.FromHexString(hex)));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Random_bytes_never_escape_as_anything_but_a_serialization_error()
    {
        var random = new Random(1234);
        var valid = BsonSerializer.Serialize(BsonCorpus.TypicalRow(1));
        for (var i = 0; i < 2000; i++)
        {
            var bytes = (byte[])valid.Clone();
            bytes[random.Next(4, bytes.Length)] = (byte)random.Next(256);
            try { BsonSerializer.Deserialize(bytes); }
            catch (BsonSerializationException) { }
        }
    }

    [Fact]
    public void Documents_keep_order_refuse_duplicates_and_index_large_documents()
    {
        var document = new BsonDocument();
        for (var i = 20; i > 0; i--) document.Add($"k{i}", i);

        Assert.Equal("k20", document.Names.First());
        Assert.Equal(7, document["k7"].AsInt32);
        Assert.Throws<ArgumentException>(() => document.Add("k7", 0));
        Assert.True(document.Remove("k7"));
        Assert.False(document.Contains("k7"));
        Assert.Equal(6, document["k6"].AsInt32);
        document["k7"] = "again";
        Assert.Equal("k7", document.Names.Last());
        Assert.Throws<KeyNotFoundException>(() => document["nope"]);
    }

    [Fact]
    public void Typed_accessors_say_what_they_found()
    {
        var error = Assert.Throws<InvalidCastException>(() => new BsonDocument("a", "text")["a"].AsInt32);
        Assert.Equal("A BSON String value is not a BsonInt32.", error.Message);
    }

    [Fact]
    public void DateTimes_before_1970_and_past_9999_survive()
    {
        var early = new BsonDateTime(-2_208_988_800_000); // 1900-01-01
        Assert.Equal(new DateTimeOffset(1900, 1, 1, 0, 0, 0, TimeSpan.Zero), early.ToDateTimeOffset());
        var far = new BsonDateTime(long.MaxValue);
        Assert.False(far.IsValidDateTime);
        Assert.Equal(far, BsonSerializer.Deserialize(BsonSerializer.Serialize(new BsonDocument("d", far)))["d"]);
        Assert.Throws<OverflowException>(() => far.ToDateTimeOffset());
    }

    [Theory]
    [InlineData("0", "0")]
    [InlineData("-0", "-0")]
    [InlineData("1.50", "1.50")]
    [InlineData("123E+3", "1.23E+5")]
    [InlineData("0.000001", "0.000001")]
    [InlineData("0.0000001", "1E-7")]
    [InlineData("-1.23E+40", "-1.23E+40")]
    [InlineData("1E-6176", "1E-6176")]
    [InlineData("9.999999999999999999999999999999999E+6144", "9.999999999999999999999999999999999E+6144")]
    [InlineData("12345678901234567890123456789012340000", "1.234567890123456789012345678901234E+37")]
    [InlineData("NaN", "NaN")]
    [InlineData("-Infinity", "-Infinity")]
    public void Decimal128_parses_and_prints_as_the_spec_says(string text, string printed)
    {
        Assert.Equal(printed, Decimal128.Parse(text).ToString());
    }

    [Theory]
    [InlineData("12345678901234567890123456789012345")]
    [InlineData("1E+7000")]
    [InlineData("abc")]
    [InlineData(".")]
    [InlineData("1..2")]
    public void Decimal128_refuses_what_does_not_fit_or_is_not_a_number(string text)
    {
        Assert.False(Decimal128.TryParse(text, out _));
    }

    [Theory]
    [InlineData("79228162514264337593543950335", "79228162514264337593543950335")]
    [InlineData("-0.0000000000000000000000000001", "-1E-28")]
    [InlineData("1.50", "1.50")]
    [InlineData("0", "0")]
    public void Decimal128_holds_every_decimal_exactly(string text, string printed)
    {
        var value = decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        var d128 = new Decimal128(value);
        Assert.Equal(value, d128.ToDecimal());
        Assert.Equal(printed, d128.ToString());
    }

    [Fact]
    public void Decimal128_beyond_decimal_says_so()
    {
        Assert.Throws<OverflowException>(() => Decimal128.Parse("1E+40").ToDecimal());
        Assert.Equal(0.1234567890123456789012345679m, Decimal128.Parse("0.12345678901234567890123456789012").ToDecimal());
    }

    [Fact]
    public void Mapping_keeps_integer_widths_and_dotnet_types()
    {
        var guid = Guid.NewGuid();
        var when = new DateTimeOffset(2024, 2, 29, 12, 0, 0, 123, TimeSpan.Zero);
        var document = (BsonDocument)BsonValue.Create(new Dictionary<string, object?>
        {
            ["int"] = 1, ["long"] = 1L, ["short"] = (short)2, ["uint"] = 3u, ["ulong big"] = ulong.MaxValue, ["big"] = BigInteger.Pow(10, 20),
            ["float"] = 1.5f, ["decimal"] = 2.25m, ["when"] = when, ["date"] = new DateOnly(2024, 1, 2), ["guid"] = guid,
            ["bytes"] = new byte[] { 1, 2 }, ["null"] = null, ["list"] = new List<int> { 1, 2 }, ["enum"] = DayOfWeek.Monday,
            ["json"] = JsonDocument.Parse("""{"a": [1, 3000000000, 1.5, "x", null, true]}""").RootElement,
        });

        Assert.Equal(BsonType.Int32, document["int"].BsonType);
        Assert.Equal(BsonType.Int64, document["long"].BsonType);
        Assert.Equal(BsonType.Int32, document["short"].BsonType);
        Assert.Equal(BsonType.Int64, document["uint"].BsonType);
        Assert.Equal("18446744073709551615", document["ulong big"].AsDecimal128.ToString());
        Assert.Equal("100000000000000000000", document["big"].AsDecimal128.ToString());
        Assert.Equal(1.5, document["float"].AsDouble);
        Assert.Equal(2.25m, document["decimal"].AsDecimal128.ToDecimal());
        Assert.Equal(when, document["when"].AsBsonDateTime.ToDateTimeOffset());
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 0, 0, 0, TimeSpan.Zero), document["date"].AsBsonDateTime.ToDateTimeOffset());
        Assert.Equal(guid, document["guid"].AsGuid);
        Assert.Equal(BsonBinaryData.Uuid, document["guid"].AsBsonBinaryData.SubType);
        Assert.True(document["null"].IsNull);
        Assert.Equal("Monday", document["enum"].AsString);
        Assert.Equal("""{"a":[1,3000000000,1.5,"x",null,true]}""", document["json"].ToString());
        Assert.Equal(BsonType.Int64, document["json"].AsBsonDocument["a"].AsBsonArray[1].BsonType);

        var back = (Dictionary<string, object?>)document.ToDotNet()!;
        Assert.IsType<int>(back["int"]);
        Assert.IsType<long>(back["long"]);
        Assert.Equal(guid, back["guid"]);
        Assert.Equal(when, back["when"]);
        Assert.Equal(new List<object?> { 1, 2 }, back["list"]);
    }

    [Fact]
    public void Mapping_refuses_types_without_a_bson_form()
    {
        var error = Assert.Throws<ArgumentException>(() => BsonValue.Create(new { A = 1 }));
        Assert.StartsWith("A <>f__AnonymousType", error.Message);
        Assert.Throws<ArgumentException>(() => BsonValue.Create(new Dictionary<int, int> { [1] = 1 }));
    }

    [Fact]
    public void ObjectIds_are_ordered_by_time_and_parse_from_hex()
    {
        var earlier = ObjectId.GenerateNewId(DateTimeOffset.FromUnixTimeSeconds(1_000));
        var later = ObjectId.GenerateNewId(DateTimeOffset.FromUnixTimeSeconds(2_000));
        Assert.True(earlier.CompareTo(later) < 0);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(2_000), later.CreationTime);
        Assert.Equal(later, ObjectId.Parse(later.ToString()));
        Assert.NotEqual(ObjectId.GenerateNewId(), ObjectId.GenerateNewId());
        Assert.False(ObjectId.TryParse("zz7f1f77bcf86cd799439011", out _));
        Assert.Equal(1_000, BinaryPrimitives.ReadInt32BigEndian(earlier.ToByteArray()));
    }
}
