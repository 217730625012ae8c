using System.Text;
using SyncTools.Mongo.Bson;

namespace SyncTools.Mongo.Tests.Bson;

/// <summary>Documents covering every BSON type a job can meet, with their boundary values.</summary>
public static class BsonCorpus
{
    /// <summary>The quiet NaN JavaScript writes (positive sign); .NET's double.NaN has the sign bit set.</summary>
    public static readonly double CanonicalNaN = BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_0000);

    /// <summary>A typical synced row: 15 fields of mixed types, as Start-FullSync writes them.</summary>
    public static BsonDocument TypicalRow(int i) => new()
    {
        { "_id", (long)i },
        { "account_id", new ObjectId(Convert.FromHexString("64b7f0c2a1b2c3d4e5f60718")) },
        { "msisdn", $"+4479{i:D8}" },
        { "iccid", $"8944{i:D15}" },
        { "status", (i % 3) switch { 0 => "ACTIVE", 1 => "SUSPENDED", _ => "TERMINATED" } },
        { "plan", "Unlimited 5G" },
        { "balance", new Decimal128(1234.56m + i) },
        { "data_used_mb", i * 1.5 },
        { "sms_count", i % 1000 },
        { "roaming", i % 2 == 0 },
        { "activated_at", new BsonDateTime(1_684_216_515_000 + i) },
        { "updated_at", new BsonDateTime(1_700_000_000_000 + i) },
        { "device_id", BsonBinaryData.FromGuid(new Guid(i, 2, 3, [4, 5, 6, 7, 8, 9, 10, 11])) },
        { "tags", new BsonArray { "kyc", "esim" } },
        { "address", new BsonDocument { { "city", "London" }, { "postcode", "EC1A 1BB" } } },
    };

    public static IEnumerable<(string Name, BsonDocument Document)> Cases()
    {
        yield return ("typical row", TypicalRow(42));
        yield return ("empty", new BsonDocument());
        yield return ("int32 bounds", new BsonDocument { { "min", int.MinValue }, { "max", int.MaxValue }, { "zero", 0 }, { "minus1", -1 } });
        yield return ("int64 bounds", new BsonDocument { { "min", long.MinValue }, { "max", long.MaxValue }, { "zero", 0L }, { "past int32", 2_147_483_648L } });
        yield return ("doubles", new BsonDocument
        {
            { "zero", 0.0 }, { "negative zero", -0.0 }, { "half", 1.5 }, { "tenth", 0.1 }, { "epsilon", double.Epsilon },
            { "max", double.MaxValue }, { "min", double.MinValue }, { "large", 1e300 }, { "integral", 42.0 },
            { "infinity", double.PositiveInfinity }, { "-infinity", double.NegativeInfinity }, { "nan", CanonicalNaN },
        });
        yield return ("strings", new BsonDocument
        {
            { "empty", "" }, { "ascii", "hello" }, { "accents", "Zoë Saldaña" }, { "cjk", "東京" }, { "emoji", "🚗💨" },
            { "nul inside a value", "a\0b" }, { "quotes and escapes", "\"\\\n\t/" }, { "long", new string('x', 10_000) },
        });
        yield return ("names", new BsonDocument { { "", 1 }, { "with space", 2 }, { "ünïcödé", 3 }, { "a.b", 4 }, { "🙂", 5 } });
        yield return ("nested", new BsonDocument
        {
            { "a", new BsonDocument { { "b", new BsonDocument { { "c", new BsonArray { 1, new BsonDocument("d", "e"), new BsonArray { new BsonArray() } } } } } } },
        });
        yield return ("arrays", new BsonDocument
        {
            { "empty", new BsonArray() }, { "mixed", new BsonArray { 1, 2L, 3.5, "four", BsonNull.Value, true, new BsonDocument() } },
            { "many", new BsonArray(Enumerable.Range(0, 1001).Select(i => (BsonValue)i)) },
        });
        yield return ("binaries", new BsonDocument
        {
            { "empty", new BsonBinaryData([]) }, { "bytes", new BsonBinaryData([0, 1, 2, 255]) },
            { "uuid", BsonBinaryData.FromGuid(Guid.Parse("00112233-4455-6677-8899-aabbccddeeff")) },
            { "legacy uuid", new BsonBinaryData(Enumerable.Range(0, 16).Select(i => (byte)i).ToArray(), BsonBinaryData.UuidLegacy) },
            { "old binary", new BsonBinaryData([9, 8, 7], BsonBinaryData.OldBinary) },
            { "md5", new BsonBinaryData(new byte[16], BsonBinaryData.Md5) },
            { "user defined", new BsonBinaryData(Encoding.UTF8.GetBytes("custom"), 0x80) },
        });
        yield return ("object ids", new BsonDocument
        {
            { "zero", ObjectId.Empty }, { "fixed", ObjectId.Parse("507f1f77bcf86cd799439011") }, { "max", ObjectId.Parse("ffffffffffffffffffffffff") },
        });
        yield return ("booleans and null", new BsonDocument { { "t", true }, { "f", false }, { "n", BsonNull.Value } });
        yield return ("datetimes", new BsonDocument
        {
            { "epoch", new BsonDateTime(0) }, { "before 1970", new BsonDateTime(-1) }, { "year 1", new BsonDateTime(-62_135_596_800_000) },
            { "year 9999", new BsonDateTime(253_402_300_799_999) }, { "javascript max", new BsonDateTime(8_640_000_000_000_000) },
            { "javascript min", new BsonDateTime(-8_640_000_000_000_000) }, { "now-ish", new BsonDateTime(1_700_000_000_123) },
        });
        yield return ("regular expressions", new BsonDocument
        {
            { "plain", new BsonRegularExpression("^abc$") }, { "options sorted", new BsonRegularExpression("a.*b", "mix") },
            { "unicode", new BsonRegularExpression("ü+", "iu") },
        });
        yield return ("timestamps", new BsonDocument
        {
            { "zero", new BsonTimestamp(0, 0) }, { "typical", new BsonTimestamp(1_700_000_000, 7) }, { "max", new BsonTimestamp(uint.MaxValue, uint.MaxValue) },
        });
        yield return ("decimal128", new BsonDocument
        {
            { "zero", new Decimal128(0m) }, { "negative zero", Decimal128.Parse("-0") }, { "scale kept", new Decimal128(1.50m) },
            { "decimal max", new Decimal128(decimal.MaxValue) }, { "decimal min", new Decimal128(decimal.MinValue) },
            { "tiny", new Decimal128(0.0000000000000000000000000001m) },
            { "34 digits", Decimal128.Parse("1234567890123456789012345678901234") },
            { "largest", Decimal128.Parse("9.999999999999999999999999999999999E+6144") },
            { "smallest", Decimal128.Parse("1E-6176") }, { "scientific", Decimal128.Parse("-1.23E+40") },
            { "nan", Decimal128.NaN }, { "infinity", Decimal128.PositiveInfinity }, { "-infinity", Decimal128.NegativeInfinity },
        });
        yield return ("min and max keys", new BsonDocument { { "min", BsonMinKey.Value }, { "max", BsonMaxKey.Value } });
    }
}
