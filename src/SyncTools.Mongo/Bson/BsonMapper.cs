using System.Collections;
using System.Numerics;
using System.Text.Json;

namespace SyncTools.Mongo.Bson;

/// <summary>Maps .NET values to BSON and back.</summary>
public static class BsonMapper
{
    /// <summary>
    /// .NET to BSON: null → null; bool; sbyte, byte, short, ushort, int → Int32; uint, long → Int64; ulong → Int64, or
    /// Decimal128 past long's range; float, double → Double; decimal → Decimal128 (exact); BigInteger → Int64, or
    /// Decimal128 when wider; string, char → String; DateTime (taken as UTC unless Local), DateTimeOffset, DateOnly
    /// (midnight UTC) → DateTime; Guid → Binary subtype 4; byte[], ReadOnlyMemory&lt;byte&gt; → Binary; ObjectId,
    /// Decimal128, BsonValue as they are; JsonElement → its JSON value (integers as Int32/Int64 when they fit);
    /// enums → their name; dictionaries → Document; other enumerables → Array.
    /// </summary>
    /// <exception cref="ArgumentException">A type with no BSON form, or a dictionary key that is not a string.</exception>
    public static BsonValue ToBson(object? value) => value switch
    {
        null => BsonNull.Value,
        BsonValue bson => bson,
        string s => new BsonString(s),
        bool b => b,
        int i => new BsonInt32(i),
        long l => new BsonInt64(l),
        double d => new BsonDouble(d),
        decimal m => new BsonDecimal128(new Decimal128(m)),
        DateTime dt => BsonDateTime.From(dt),
        DateTimeOffset dto => BsonDateTime.From(dto),
        DateOnly date => BsonDateTime.From(new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)),
        Guid g => BsonBinaryData.FromGuid(g),
        ObjectId oid => new BsonObjectId(oid),
        Decimal128 d128 => new BsonDecimal128(d128),
        byte[] bytes => new BsonBinaryData(bytes),
        ReadOnlyMemory<byte> memory => new BsonBinaryData(memory.ToArray()),
        short or sbyte or byte or ushort => new BsonInt32(Convert.ToInt32(value)),
        uint u => new BsonInt64(u),
        ulong ul => ul <= long.MaxValue ? new BsonInt64((long)ul) : new BsonDecimal128(new Decimal128((decimal)ul)),
        float f => new BsonDouble(f),
        char c => new BsonString(c.ToString()),
        BigInteger big => big >= long.MinValue && big <= long.MaxValue ? new BsonInt64((long)big) : new BsonDecimal128(Decimal128.FromParts(big.Sign < 0, BigInteger.Abs(big), 0)),
        Enum e => new BsonString(e.ToString()),
        JsonElement json => FromJson(json),
        IDictionary<string, object?> map => ToDocument(map),
        IDictionary dictionary => ToDocument(dictionary),
        IEnumerable list => new BsonArray(list.Cast<object?>().Select(ToBson)),
        _ => throw new ArgumentException($"A {value.GetType().FullName} has no BSON form.", nameof(value)),
    };

    /// <summary>
    /// BSON to .NET: Int32 → int, Int64 → long, Double → double, Decimal128 → Decimal128, String → string,
    /// Boolean → bool, DateTime → DateTimeOffset (UTC; the raw BsonDateTime when outside years 1-9999),
    /// Binary subtype 4 → Guid, other Binary → byte[], ObjectId → ObjectId, Null → null, Document →
    /// Dictionary&lt;string, object?&gt;, Array → List&lt;object?&gt;; Timestamp, RegularExpression, MinKey and MaxKey stay BSON values.
    /// </summary>
    public static object? ToDotNet(BsonValue value) => value switch
    {
        BsonNull => null,
        BsonInt32 i => i.Value,
        BsonInt64 l => l.Value,
        BsonDouble d => d.Value,
        BsonDecimal128 m => m.Value,
        BsonString s => s.Value,
        BsonBoolean b => b.Value,
        BsonDateTime dt => dt.IsValidDateTime ? dt.ToDateTimeOffset() : dt,
        BsonBinaryData { SubType: BsonBinaryData.Uuid, Bytes.Length: 16 } uuid => uuid.ToGuid(),
        BsonBinaryData binary => binary.Bytes,
        BsonObjectId oid => oid.Value,
        BsonDocument document => document.Elements.ToDictionary(e => e.Name, e => ToDotNet(e.Value)),
        BsonArray array => array.Select(ToDotNet).ToList(),
        _ => value,
    };

    private static BsonDocument ToDocument(IDictionary<string, object?> map)
    {
        var document = new BsonDocument(map.Count);
        foreach (var (key, item) in map) document.Add(key, ToBson(item));
        return document;
    }

    private static BsonDocument ToDocument(IDictionary dictionary)
    {
        var document = new BsonDocument(dictionary.Count);
        foreach (DictionaryEntry entry in dictionary)
        {
            var key = entry.Key as string ?? throw new ArgumentException($"A document key must be a string, not a {entry.Key.GetType().Name}.");
            document.Add(key, ToBson(entry.Value));
        }

        return document;
    }

    private static BsonValue FromJson(JsonElement json) => json.ValueKind switch
    {
        JsonValueKind.Object => new BsonDocument(json.EnumerateObject().Select(p => new BsonElement(p.Name, FromJson(p.Value)))),
        JsonValueKind.Array => new BsonArray(json.EnumerateArray().Select(FromJson)),
        JsonValueKind.String => new BsonString(json.GetString()!),
        JsonValueKind.Number when json.TryGetInt32(out var i) => new BsonInt32(i),
        JsonValueKind.Number when json.TryGetInt64(out var l) => new BsonInt64(l),
        JsonValueKind.Number => new BsonDouble(json.GetDouble()),
        JsonValueKind.True => BsonBoolean.True,
        JsonValueKind.False => BsonBoolean.False,
        _ => BsonNull.Value,
    };
}
