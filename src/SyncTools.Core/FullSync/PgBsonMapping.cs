using System.Text.Json;
using SyncTools.Core.PostgreSql;
using SyncTools.Mongo.Bson;

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
/// scalar; one-dimensional arrays of these → Array; enums, domains and every other type (interval, inet, money,
/// ranges...) → their text form as String; NULL → Null.
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
            _ when column.TypeCategory == 'b' && Native.Contains(column.TypeName) => BsonMapper.ToBson,
            _ => value => new BsonString((string)value),
        };
        var projection = column.TypeCategory == 'b' && Native.Contains(column.TypeName) ? quoted : asText;
        return new(column.Name, projection, column.IsArray ? value => Array(value, element) : element);
    }

    private static BsonValue Array(object value, Func<object, BsonValue> element) =>
        new BsonArray(((System.Collections.IEnumerable)value).Cast<object?>().Select(v => v is null or DBNull ? BsonNull.Value : element(v)));

    private static BsonValue Numeric(string text) =>
        Decimal128.TryParse(text, out var value) ? new BsonDecimal128(value) : new BsonString(text);

    private static BsonValue Json(string text)
    {
        using var json = JsonDocument.Parse(text);
        return BsonMapper.ToBson(json.RootElement);
    }
}
