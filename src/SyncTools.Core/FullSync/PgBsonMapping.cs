using System.Text.Json;
using MongoDB.Bson;
using SyncTools.Core.PostgreSql;

namespace SyncTools.Core.FullSync;

/// <summary>How one source column is selected and turned into a BSON value.</summary>
/// <param name="Projection">The SQL select item (the column, or a cast of it to text).</param>
/// <param name="ToBson">The non-null value the driver read for <paramref name="Projection"/>, as BSON.</param>
public sealed record PgColumnMapping(string Name, string Projection, Func<object, BsonValue> ToBson);

/// <summary>
/// PostgreSQL types to BSON. smallint, integer → Int32; bigint → Int64; real, double precision → Double; boolean;
/// text, varchar, char (blank-padded, as stored), name → String; timestamp (taken as UTC), timestamptz, date (midnight
/// UTC) → DateTime (milliseconds: BSON keeps no finer); uuid → Binary subtype 4; bytea → Binary; numeric → Decimal128
/// when its digits fit (34 significant), else its text as String; json, jsonb → the embedded document, array or
/// scalar (a repeated key keeps its last value, as jsonb does; integers as Int32 or Int64 where they fit, else
/// Decimal128; other numbers as Double, or Decimal128 beyond Double's range); one-dimensional arrays of these → Array;
/// enums, domains and every other type (interval, inet, money, ranges...) → their text form as String; NULL → Null.
/// </summary>
public static class PgBsonMapping
{
    private static readonly HashSet<string> Native =
        ["int2", "int4", "int8", "float4", "float8", "bool", "text", "varchar", "bpchar", "name", "timestamp", "timestamptz", "date", "uuid", "bytea"];

    public static PgColumnMapping For(PgColumn column)
    {
        var quoted = PgIdentifiers.Quote(column.Name);
        var asText = column.IsArray ? $"{quoted}::text[]" : $"{quoted}::text";
        Func<object, BsonValue> element = column.TypeName switch
        {
            "numeric" => value => Numeric((string)value),
            "json" or "jsonb" => value => Json((string)value),
            _ when column.TypeCategory == 'b' && Native.Contains(column.TypeName) => Scalar,
            _ => value => new BsonString((string)value),
        };
        var projection = column.TypeCategory == 'b' && Native.Contains(column.TypeName) ? quoted : asText;
        return new(column.Name, projection, column.IsArray ? value => Array(value, element) : element);
    }

    /// <summary>A value as Npgsql reads the native types above.</summary>
    private static BsonValue Scalar(object value) => value switch
    {
        string s => new BsonString(s),
        int i => new BsonInt32(i),
        short s => new BsonInt32(s),
        long l => new BsonInt64(l),
        double d => new BsonDouble(d),
        float f => new BsonDouble(f),
        bool b => b ? BsonBoolean.True : BsonBoolean.False,
        DateTime at => new BsonDateTime(DateTime.SpecifyKind(at, DateTimeKind.Utc)),
        DateOnly date => new BsonDateTime(date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc)),
        Guid g => new BsonBinaryData(g, GuidRepresentation.Standard),
        byte[] bytes => new BsonBinaryData(bytes),
        _ => throw new ArgumentException($"A {value.GetType().FullName} has no BSON form here."),
    };

    private static BsonValue Array(object value, Func<object, BsonValue> element) =>
        new BsonArray(((System.Collections.IEnumerable)value).Cast<object?>().Select(v => v is null or DBNull ? BsonNull.Value : element(v)));

    private static BsonValue Numeric(string text) =>
        Decimal128.TryParse(text, out var value) ? new BsonDecimal128(value) : new BsonString(text);

    private static BsonValue Json(string text)
    {
        using var json = JsonDocument.Parse(text);
        return FromJson(json.RootElement);
    }

    private static BsonValue FromJson(JsonElement json)
    {
        switch (json.ValueKind)
        {
            case JsonValueKind.Object:
                var document = new BsonDocument();
                foreach (var property in json.EnumerateObject()) document[property.Name] = FromJson(property.Value); // the last of a repeated key
                return document;
            case JsonValueKind.Array:
                return new BsonArray(json.EnumerateArray().Select(FromJson));
            case JsonValueKind.String:
                return new BsonString(json.GetString()!);
            case JsonValueKind.Number when json.TryGetInt32(out var i):
                return new BsonInt32(i);
            case JsonValueKind.Number when json.TryGetInt64(out var l):
                return new BsonInt64(l);
            case JsonValueKind.Number:
                var raw = json.GetRawText();
                var integral = !raw.AsSpan().ContainsAny('.', 'e', 'E');
                return !integral && json.TryGetDouble(out var d) && double.IsFinite(d) ? new BsonDouble(d)
                    : Decimal128.TryParse(raw, out var exact) ? new BsonDecimal128(exact)
                    : throw new FormatException($"The JSON number {raw} fits neither Double nor Decimal128.");
            case JsonValueKind.True:
                return BsonBoolean.True;
            case JsonValueKind.False:
                return BsonBoolean.False;
            default:
                return BsonNull.Value;
        }
    }
}
