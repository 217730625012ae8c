using MongoDB.Bson;
using SyncTools.Core.FullSync;

namespace SyncTools.Core.Tests.FullSync;

/// <summary>The copy's own BSON writer, byte for byte against the driver's serializer.</summary>
public sealed class BsonRowWriterTests
{
    [Fact]
    public void Writes_the_same_bytes_as_the_driver_for_every_kind_of_value_nested_in_documents_and_arrays()
    {
        var expected = new BsonDocument
        {
            { "_id", 9_000_000_000L }, { "n", -42 }, { "d", 2.25 }, { "yes", true }, { "no", false }, { "none", BsonNull.Value },
            { "at", new BsonDateTime(-210_863_474_984_877) }, { "price", new BsonDecimal128(Decimal128.Parse("-12345.67")) },
            { "name", "ünïcode" }, { "uid", new BsonBinaryData(Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"), GuidRepresentation.Standard) },
            { "raw", new BsonBinaryData([0x00, 0xff]) },
            { "grid", new BsonArray { new BsonArray(), new BsonArray { 1, BsonNull.Value, new BsonDocument("k", "v") } } },
            { "doc", new BsonDocument { { "a", new BsonDocument() }, { "b", new BsonArray(Enumerable.Range(0, 12)) } } },
        };
        var writer = new BsonRowWriter();
        writer.StartDocument();
        writer.Name("stale"u8);
        writer.Int32(1);
        writer.Clear(); // a row's bytes are gone once the next starts

        writer.StartDocument();
        writer.Name("_id"u8); writer.Int64(9_000_000_000);
        writer.Name("n"); writer.Int32(-42);
        writer.Name("d"u8); writer.Double(2.25);
        writer.Name("yes"u8); writer.Boolean(true);
        writer.Name("no"u8); writer.Boolean(false);
        writer.Name("none"u8); writer.Null();
        writer.Name("at"u8); writer.DateTime(-210_863_474_984_877);
        writer.Name("price"u8); writer.Decimal128(Decimal128.Parse("-12345.67"));
        writer.Name("name"u8); writer.String("ünïcode"u8);
        writer.Name("uid"u8); writer.Binary(Guid.Parse("00112233-4455-6677-8899-aabbccddeeff").ToByteArray(bigEndian: true), BsonBinarySubType.UuidStandard);
        writer.Name("raw"u8); writer.Binary([0x00, 0xff], BsonBinarySubType.Binary);
        writer.Name("grid"u8);
        writer.StartArray();
        writer.StartArray(); writer.End();
        writer.StartArray();
        writer.Int32(1); writer.Null();
        writer.StartDocument(); writer.Name("k"u8); writer.String("v"); writer.End();
        writer.End();
        writer.End();
        writer.Name("doc"u8);
        writer.StartDocument();
        writer.Name("a"u8); writer.StartDocument(); writer.End();
        writer.Name("b"u8); writer.StartArray();
        for (var i = 0; i < 12; i++) writer.Int32(i); // two-digit index names
        writer.End();
        writer.End();
        writer.End();

        Assert.Equal(expected.ToBson(), writer.Written.ToArray());
    }

    [Fact]
    public void Refuses_what_BSON_cannot_hold_text_not_in_UTF8_a_NUL_in_a_name_and_a_document_past_MongoDBs_limit()
    {
        var writer = new BsonRowWriter();
        writer.StartDocument();

        Assert.Throws<ArgumentException>(() => writer.Name("a\0b"u8));
        Assert.Throws<ArgumentException>(() => writer.Name([0x61, 0xe9]));
        writer.Name("s"u8);
        Assert.Throws<ArgumentException>(() => writer.String([0x63, 0x61, 0x66, 0xe9]));
        Assert.ThrowsAny<ArgumentException>(() => writer.String("\ud800"));
        Assert.Throws<BsonRowWriter.DocumentTooLargeException>(() => writer.Binary(new byte[BsonRowWriter.MaxDocumentBytes], BsonBinarySubType.Binary));
    }
}
