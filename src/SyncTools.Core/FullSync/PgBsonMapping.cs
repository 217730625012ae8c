using System.Buffers;
using System.Text;
using System.Text.Json;
using Npgsql;
using JsonTokenType = System.Text.Json.JsonTokenType;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Serializers;
using SyncTools.Core.PostgreSql;

namespace SyncTools.Core.FullSync;

/// <summary>How one source column is selected and written as a BSON value.</summary>
/// <param name="Projection">The SQL select item (the column, or a cast of it to text).</param>
/// <param name="Write">Writes the non-null value the reader holds at an ordinal (read as <paramref name="Projection"/>) as the BSON value of the field just named.</param>
public sealed record PgColumnMapping(string Name, string Projection, Action<IBsonWriter, NpgsqlDataReader, int> Write)
{
    /// <summary>The non-null value at <paramref name="ordinal"/> as a BSON value (as <see cref="Write"/> writes it).</summary>
    public BsonValue ToBson(NpgsqlDataReader reader, int ordinal)
    {
        var holder = new BsonDocument();
        using (var writer = new BsonDocumentWriter(holder))
        {
            writer.WriteStartDocument();
            writer.WriteName("v");
            Write(writer, reader, ordinal);
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
        var native = column.TypeCategory == 'b' && Native.Contains(column.TypeName);
        if (column.IsArray)
        {
            Action<IBsonWriter, object> element = column.TypeName switch
            {
                "numeric" => (writer, value) => Numeric(writer, (string)value),
                "json" => (writer, value) => Json(writer, (string)value),
                "jsonb" => (writer, value) => Jsonb(writer, (string)value),
                _ when native => Scalar,
                _ => (writer, value) => writer.WriteString((string)value),
            };
            return new(column.Name, native ? quoted : $"{quoted}::text[]", (writer, reader, i) => Array(writer, reader.GetValue(i), element));
        }

        // Each type read as itself: no boxed value or text in between where the driver has the type's own form.
        Action<IBsonWriter, NpgsqlDataReader, int>? read = column.TypeName switch
        {
            "int2" => (writer, reader, i) => writer.WriteInt32(reader.GetInt16(i)),
            "int4" => (writer, reader, i) => writer.WriteInt32(reader.GetInt32(i)),
            "int8" => (writer, reader, i) => writer.WriteInt64(reader.GetInt64(i)),
            "float4" => (writer, reader, i) => writer.WriteDouble(reader.GetFloat(i)),
            "float8" => (writer, reader, i) => writer.WriteDouble(reader.GetDouble(i)),
            "bool" => (writer, reader, i) => writer.WriteBoolean(reader.GetBoolean(i)),
            "text" or "varchar" or "bpchar" or "name" => (writer, reader, i) => writer.WriteString(reader.GetString(i)),
            "uuid" => (writer, reader, i) => writer.WriteBinaryData(new BsonBinaryData(reader.GetGuid(i), GuidRepresentation.Standard)),
            "bytea" => (writer, reader, i) => writer.WriteBytes(reader.GetFieldValue<byte[]>(i)),
            // PostgreSQL's own count (microseconds or days since 2000), so dates before year 1 (BC) map exactly.
            "timestamp" or "timestamptz" => (writer, reader, i) => Microseconds(writer, reader.GetFieldValue<long>(i)),
            "date" => (writer, reader, i) => Days(writer, reader.GetFieldValue<int>(i)),
            _ => null,
        };
        if (read is not null && native) return new(column.Name, quoted, read);
        return new(column.Name, $"{quoted}::text", column.TypeName switch
        {
            "numeric" => (writer, reader, i) => Numeric(writer, reader.GetString(i)),
            "json" => (writer, reader, i) => Json(writer, reader.GetString(i)),
            "jsonb" => (writer, reader, i) => Jsonb(writer, reader.GetString(i)),
            _ => (writer, reader, i) => writer.WriteString(reader.GetString(i)),
        });
    }

    private const long UnixMillisecondsAt2000 = 946_684_800_000;

    /// <summary>A timestamp as PostgreSQL counts it, in milliseconds since 1970 (rounded down), or "infinity"/"-infinity".</summary>
    private static void Microseconds(IBsonWriter writer, long microsecondsSince2000)
    {
        if (microsecondsSince2000 == long.MaxValue) writer.WriteString("infinity");
        else if (microsecondsSince2000 == long.MinValue) writer.WriteString("-infinity");
        else writer.WriteDateTime(Math.DivRem(microsecondsSince2000, 1000) is var (ms, rest) && rest < 0 ? ms - 1 + UnixMillisecondsAt2000 : ms + UnixMillisecondsAt2000);
    }

    /// <summary>A date as PostgreSQL counts it, as midnight UTC in milliseconds since 1970, or "infinity"/"-infinity".</summary>
    private static void Days(IBsonWriter writer, int daysSince2000)
    {
        if (daysSince2000 == int.MaxValue) writer.WriteString("infinity");
        else if (daysSince2000 == int.MinValue) writer.WriteString("-infinity");
        else writer.WriteDateTime(daysSince2000 * 86_400_000L + UnixMillisecondsAt2000);
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

    private static void Numeric(IBsonWriter writer, string text)
    {
        if (TryParseNumeric(text, out var value)) writer.WriteDecimal128(value);
        else writer.WriteString(text);
    }

    /// <summary>
    /// numeric's text as Decimal128, as <see cref="Decimal128.TryParse(string, out Decimal128)"/> gives it, without its
    /// regular expression for the form PostgreSQL writes (an optional minus, digits, an optional point and digits):
    /// the digits are the coefficient and the digits after the point the exponent, when the significant digits fit (34).
    /// </summary>
    public static bool TryParseNumeric(string text, out Decimal128 value)
    {
        const int MaxDigits = 34, ExponentBias = 6176;
        var digits = text.AsSpan(text.StartsWith('-') ? 1 : 0);
        UInt128 coefficient = 0;
        int significant = 0, exponent = 0, point = digits.IndexOf('.');
        for (var i = 0; i < digits.Length; i++)
        {
            var c = digits[i];
            if (i == point && i > 0 && i < digits.Length - 1) continue;
            if (!char.IsAsciiDigit(c) || (significant += coefficient == 0 && c == '0' ? 0 : 1) > MaxDigits) return Decimal128.TryParse(text, out value);
            coefficient = coefficient * 10 + (uint)(c - '0');
            if (point >= 0 && i > point) exponent--;
        }

        if (digits.IsEmpty || exponent < -ExponentBias) return Decimal128.TryParse(text, out value);
        var high = (text.StartsWith('-') ? 1UL << 63 : 0) | (ulong)(exponent + ExponentBias) << 49 | (ulong)(coefficient >> 64);
        value = Decimal128.FromIEEEBits(high, (ulong)coefficient);
        return true;
    }

    /// <summary>json: its text may repeat a key, so it is read whole first and the last value of a key kept.</summary>
    private static void Json(IBsonWriter writer, string text)
    {
        using var json = JsonDocument.Parse(text);
        BsonValueSerializer.Instance.Serialize(BsonSerializationContext.CreateRoot(writer), FromJson(json.RootElement));
    }

    /// <summary>jsonb: PostgreSQL has already kept one value per key, so its text is written as it is read, token by token.</summary>
    private static void Jsonb(IBsonWriter writer, string text)
    {
        var length = Encoding.UTF8.GetMaxByteCount(text.Length);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var json = new Utf8JsonReader(rented.AsSpan(0, Encoding.UTF8.GetBytes(text, rented)));
            while (json.Read())
            {
                switch (json.TokenType)
                {
                    case JsonTokenType.StartObject: writer.WriteStartDocument(); break;
                    case JsonTokenType.EndObject: writer.WriteEndDocument(); break;
                    case JsonTokenType.StartArray: writer.WriteStartArray(); break;
                    case JsonTokenType.EndArray: writer.WriteEndArray(); break;
                    case JsonTokenType.PropertyName: writer.WriteName(json.GetString()!); break;
                    case JsonTokenType.String: writer.WriteString(json.GetString()!); break;
                    case JsonTokenType.Number when json.TryGetInt32(out var i): writer.WriteInt32(i); break;
                    case JsonTokenType.Number when json.TryGetInt64(out var l): writer.WriteInt64(l); break;
                    case JsonTokenType.Number: BsonValueSerializer.Instance.Serialize(BsonSerializationContext.CreateRoot(writer), JsonNumber(Encoding.UTF8.GetString(json.ValueSpan))); break;
                    case JsonTokenType.True: writer.WriteBoolean(true); break;
                    case JsonTokenType.False: writer.WriteBoolean(false); break;
                    default: writer.WriteNull(); break;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
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
                return JsonNumber(json.GetRawText());
            case JsonValueKind.True:
                return BsonBoolean.True;
            case JsonValueKind.False:
                return BsonBoolean.False;
            default:
                return BsonNull.Value;
        }
    }

    /// <summary>A JSON number beyond Int64 or with a fraction or exponent: Double, or Decimal128 beyond Double's range or for a large integer.</summary>
    private static BsonValue JsonNumber(string raw)
    {
        var integral = !raw.AsSpan().ContainsAny('.', 'e', 'E');
        return !integral && double.TryParse(raw, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? new BsonDouble(d)
            : Decimal128.TryParse(raw, out var exact) ? new BsonDecimal128(exact)
            : throw new FormatException($"The JSON number {raw} fits neither Double nor Decimal128.");
    }
}
