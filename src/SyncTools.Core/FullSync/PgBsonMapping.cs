using System.Text.Json;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Serializers;
using SyncTools.Core.PostgreSql;

namespace SyncTools.Core.FullSync;

/// <summary>How one source column is selected and written as a BSON value.</summary>
/// <param name="Projection">The SQL select item (the column, or a cast of it to text).</param>
/// <param name="Write">Writes the non-null value the driver read for <paramref name="Projection"/> as the BSON value of the field just named.</param>
public sealed record PgColumnMapping(string Name, string Projection, Action<IBsonWriter, object> Write)
{
    /// <summary>The non-null value as a BSON value (as <see cref="Write"/> writes it).</summary>
    public BsonValue ToBson(object value)
    {
        var holder = new BsonDocument();
        using (var writer = new BsonDocumentWriter(holder))
        {
            writer.WriteStartDocument();
            writer.WriteName("v");
            Write(writer, value);
            writer.WriteEndDocument();
        }

        return holder[0];
    }
}

/// <summary>
/// PostgreSQL types to BSON. smallint, integer → Int32; bigint → Int64; real, double precision → Double; boolean;
/// text, varchar, char (blank-padded, as stored), name → String; timestamp (taken as UTC), timestamptz, date (midnight
/// UTC) → DateTime (milliseconds, rounded down: BSON keeps no finer; dates BC exactly), and infinity or
/// -infinity → that String (in arrays, infinity is refused); uuid → Binary subtype 4; bytea → Binary; numeric → Decimal128
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
        if (column.TypeName is "date" or "timestamp" or "timestamptz" && !column.IsArray)
        {
            // Milliseconds since 1970 computed by PostgreSQL, so dates before year 1 (BC) map exactly; infinities by name.
            return new(column.Name, $"CASE WHEN isfinite({quoted}) THEN floor(extract(epoch FROM {quoted}) * 1000)::bigint::text ELSE {quoted}::text END", EpochMilliseconds);
        }

        Action<IBsonWriter, object> element = column.TypeName switch
        {
            "numeric" => Numeric,
            "json" or "jsonb" => Json,
            _ when column.TypeCategory == 'b' && Native.Contains(column.TypeName) => Scalar,
            _ => (writer, value) => writer.WriteString((string)value),
        };
        var projection = column.TypeCategory == 'b' && Native.Contains(column.TypeName) ? quoted : asText;
        return new(column.Name, projection, column.IsArray ? (writer, value) => Array(writer, value, element) : element);
    }

    /// <summary>A value as Npgsql reads the native types above.</summary>
    private static void Scalar(IBsonWriter writer, object value)
    {
        switch (value)
        {
            case string s: writer.WriteString(s); break;
            case int i: writer.WriteInt32(i); break;
            case short s: writer.WriteInt32(s); break;
            case long l: writer.WriteInt64(l); break;
            case double d: writer.WriteDouble(d); break;
            case float f: writer.WriteDouble(f); break;
            case bool b: writer.WriteBoolean(b); break;
            // In arrays: Npgsql reads infinity as the extreme .NET values, which no PostgreSQL value equals otherwise.
            case DateTime at when at == DateTime.MaxValue || at == DateTime.MinValue: throw new FormatException("An infinite timestamp in an array has no BSON date.");
            case DateOnly date when date == DateOnly.MaxValue || date == DateOnly.MinValue: throw new FormatException($"A date in an array at {date:yyyy-MM-dd} may be infinity, which has no BSON date.");
            case DateTime at: writer.WriteDateTime(Math.DivRem(at.Ticks - DateTime.UnixEpoch.Ticks, TimeSpan.TicksPerMillisecond) is var (ms, rest) && rest < 0 ? ms - 1 : ms); break;
            case DateOnly date: writer.WriteDateTime((date.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber) * 86_400_000L); break;
            case Guid g: writer.WriteBinaryData(new BsonBinaryData(g, GuidRepresentation.Standard)); break;
            case byte[] bytes: writer.WriteBytes(bytes); break;
            default: throw new ArgumentException($"A {value.GetType().FullName} has no BSON form here.");
        }
    }

    /// <summary>A date or timestamp as PostgreSQL gave it: milliseconds since 1970 (rounded down), or "infinity"/"-infinity".</summary>
    private static void EpochMilliseconds(IBsonWriter writer, object text)
    {
        if (long.TryParse((string)text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var milliseconds)) writer.WriteDateTime(milliseconds);
        else writer.WriteString((string)text);
    }

    private static void Array(IBsonWriter writer, object value, Action<IBsonWriter, object> element)
    {
        writer.WriteStartArray();
        foreach (var item in (System.Collections.IEnumerable)value)
        {
            if (item is null or DBNull) writer.WriteNull();
            else element(writer, item);
        }

        writer.WriteEndArray();
    }

    private static void Numeric(IBsonWriter writer, object text)
    {
        if (Decimal128.TryParse((string)text, out var value)) writer.WriteDecimal128(value);
        else writer.WriteString((string)text);
    }

    private static void Json(IBsonWriter writer, object text)
    {
        using var json = JsonDocument.Parse((string)text);
        BsonValueSerializer.Instance.Serialize(BsonSerializationContext.CreateRoot(writer), FromJson(json.RootElement));
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
