using System.Globalization;
using MongoDB.Bson;

namespace SyncTools.Core.ClusterIds;

/// <summary>
/// How a MongoDB _id becomes the text stored in MySQL: an ObjectId as its 24 lowercase hex digits (as the source design's
/// toString()), a string as it is, an Int32/Int64/integral Double as its decimal digits, another Double in round-trip
/// form, a Decimal128 as its string, a UUID (binary subtype 4) as its canonical lowercase form, a datetime as
/// ISO-8601 UTC. Null, absent, and other types (documents, arrays, other binaries...) have no text: they are skipped.
/// </summary>
public static class ClusterIdText
{
    public static string? From(BsonValue? id) => id switch
    {
        BsonObjectId oid => oid.Value.ToString(),
        BsonString s => s.Value,
        BsonInt32 i => i.Value.ToString(CultureInfo.InvariantCulture),
        BsonInt64 l => l.Value.ToString(CultureInfo.InvariantCulture),
        BsonDouble d when double.IsFinite(d.Value) && d.Value == Math.Floor(d.Value) && Math.Abs(d.Value) < 1e15 => ((long)d.Value).ToString(CultureInfo.InvariantCulture),
        BsonDouble d when double.IsFinite(d.Value) => d.Value.ToString("R", CultureInfo.InvariantCulture),
        BsonDecimal128 m => m.Value.ToString(),
        BsonBinaryData { SubType: BsonBinarySubType.UuidStandard, Bytes.Length: 16 } uuid => uuid.ToGuid(GuidRepresentation.Standard).ToString("D"),
        BsonDateTime { IsValidDateTime: true } dt => dt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        _ => null,
    };
}
