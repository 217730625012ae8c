using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Npgsql;
using JsonTokenType = System.Text.Json.JsonTokenType;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using SyncTools.Core.PostgreSql;

namespace SyncTools.Core.FullSync;

/// <summary>How one source column is selected and written as a BSON value.</summary>
/// <param name="Projection">The SQL select item (the column, or a cast of it to text).</param>
/// <param name="Write">Writes the non-null value the reader holds at an ordinal (read as <paramref name="Projection"/>) as the BSON value of the field just named.</param>
public sealed record PgColumnMapping(string Name, string Projection, Action<BsonRowWriter, NpgsqlDataReader, int> Write)
{
    /// <summary>The column's name in UTF-8, as a field name is written.</summary>
    public byte[] Utf8Name { get; } = Encoding.UTF8.GetBytes(Name);

    /// <summary>The non-null value at <paramref name="ordinal"/> as a BSON value (as <see cref="Write"/> writes it).</summary>
    public BsonValue ToBson(NpgsqlDataReader reader, int ordinal)
    {
        var writer = new BsonRowWriter();
        writer.StartDocument();
        writer.Name("v"u8);
        Write(writer, reader, ordinal);
        writer.End();
        return BsonSerializer.Deserialize<BsonDocument>(writer.Written.ToArray())[0];
    }
}

/// <summary>
/// PostgreSQL types to BSON. smallint, integer → Int32; bigint → Int64; real, double precision → Double; boolean;
/// text, varchar, char (blank-padded, as stored), name → String; timestamp (taken as UTC), timestamptz, date (midnight
/// UTC) → DateTime (milliseconds, rounded down: BSON keeps no finer; dates BC exactly), and infinity or
/// -infinity → that String; uuid → Binary subtype 4; bytea → Binary; numeric → Decimal128
/// when its digits fit (34 significant), else its text as String; json, jsonb → the embedded document, array or
/// scalar (a repeated key keeps its last value, as jsonb does; integers as Int32 or Int64 where they fit, else
/// Decimal128; other numbers as Double, or Decimal128 beyond Double's range); arrays of these → Array (an array of
/// several dimensions as arrays in arrays, one level per dimension); enums, domains and every other type (interval,
/// inet, money, ranges...) → their text form as String; NULL → Null. Each value is read as the bytes the server sent:
/// the types above in PostgreSQL's binary form, every other type cast to text (UTF-8).
/// </summary>
public static class PgBsonMapping
{
    /// <summary>Writes one non-null value, given as the bytes of its form on the wire.</summary>
    private delegate void ValueWriter(BsonRowWriter writer, ReadOnlySpan<byte> value);

    /// <summary>The types read in their binary form (as PostgreSQL's *_send functions write it: big-endian).</summary>
    private static readonly Dictionary<string, ValueWriter> Binary = new()
    {
        ["int2"] = (writer, value) => writer.Int32(BinaryPrimitives.ReadInt16BigEndian(value)),
        ["int4"] = (writer, value) => writer.Int32(BinaryPrimitives.ReadInt32BigEndian(value)),
        ["int8"] = (writer, value) => writer.Int64(BinaryPrimitives.ReadInt64BigEndian(value)),
        ["float4"] = (writer, value) => writer.Double(BinaryPrimitives.ReadSingleBigEndian(value)),
        ["float8"] = (writer, value) => writer.Double(BinaryPrimitives.ReadDoubleBigEndian(value)),
        ["bool"] = (writer, value) => writer.Boolean(value[0] != 0),
        ["text"] = Text, ["varchar"] = Text, ["bpchar"] = Text, ["name"] = Text,
        // PostgreSQL's own count (microseconds or days since 2000), so dates before year 1 (BC) map exactly.
        ["timestamp"] = Microseconds, ["timestamptz"] = Microseconds,
        ["date"] = Days,
        // uuid's binary form is its 16 bytes in order, as Binary subtype 4 (the standard representation) holds them.
        ["uuid"] = (writer, value) => writer.Binary(value, BsonBinarySubType.UuidStandard),
        ["bytea"] = (writer, value) => writer.Binary(value, BsonBinarySubType.Binary),
    };

    public static PgColumnMapping For(PgColumn column)
    {
        var quoted = PgIdentifiers.Quote(column.Name);
        var binary = column.TypeCategory == 'b' ? Binary.GetValueOrDefault(column.TypeName) : null;
        var value = binary ?? column.TypeName switch
        {
            "numeric" => Numeric,
            "json" => Json,
            "jsonb" => Jsonb,
            _ => (ValueWriter)Text,
        };
        var projection = binary is not null ? quoted : column.IsArray ? $"{quoted}::text[]" : $"{quoted}::text";
        ValueWriter write = column.IsArray ? (writer, bytes) => Array(writer, bytes, value) : value;
        return new(column.Name, projection, (writer, reader, i) => write(writer, writer.ColumnBytes(reader, i)));
    }

    private static void Text(BsonRowWriter writer, ReadOnlySpan<byte> utf8) => writer.String(utf8);

    private const long UnixMillisecondsAt2000 = 946_684_800_000;

    /// <summary>A timestamp as PostgreSQL counts it, in milliseconds since 1970 (rounded down), or "infinity"/"-infinity".</summary>
    private static void Microseconds(BsonRowWriter writer, ReadOnlySpan<byte> value)
    {
        var microsecondsSince2000 = BinaryPrimitives.ReadInt64BigEndian(value);
        if (microsecondsSince2000 == long.MaxValue) writer.String("infinity"u8);
        else if (microsecondsSince2000 == long.MinValue) writer.String("-infinity"u8);
        else writer.DateTime(Math.DivRem(microsecondsSince2000, 1000) is var (ms, rest) && rest < 0 ? ms - 1 + UnixMillisecondsAt2000 : ms + UnixMillisecondsAt2000);
    }

    /// <summary>A date as PostgreSQL counts it, as midnight UTC in milliseconds since 1970, or "infinity"/"-infinity".</summary>
    private static void Days(BsonRowWriter writer, ReadOnlySpan<byte> value)
    {
        var daysSince2000 = BinaryPrimitives.ReadInt32BigEndian(value);
        if (daysSince2000 == int.MaxValue) writer.String("infinity"u8);
        else if (daysSince2000 == int.MinValue) writer.String("-infinity"u8);
        else writer.DateTime(daysSince2000 * 86_400_000L + UnixMillisecondsAt2000);
    }

    /// <summary>
    /// An array in PostgreSQL's binary form (array_send): its number of dimensions, a flag, the element type, each
    /// dimension's length and lower bound, then every element in order, each as its length (-1 for NULL) and its bytes.
    /// </summary>
    private static void Array(BsonRowWriter writer, ReadOnlySpan<byte> value, ValueWriter element)
    {
        var dimensions = BinaryPrimitives.ReadInt32BigEndian(value);
        Span<int> lengths = stackalloc int[Math.Max(dimensions, 1)];
        for (var d = 0; d < dimensions; d++) lengths[d] = BinaryPrimitives.ReadInt32BigEndian(value[(12 + 8 * d)..]);
        var elements = value[(12 + 8 * dimensions)..];
        Elements(writer, ref elements, lengths[..dimensions], element);
    }

    /// <summary>The elements of one dimension (and those under it), consumed from <paramref name="elements"/>.</summary>
    private static void Elements(BsonRowWriter writer, ref ReadOnlySpan<byte> elements, scoped ReadOnlySpan<int> lengths, ValueWriter element)
    {
        writer.StartArray();
        for (var n = 0; !lengths.IsEmpty && n < lengths[0]; n++)
        {
            if (lengths.Length > 1)
            {
                Elements(writer, ref elements, lengths[1..], element);
                continue;
            }

            var length = BinaryPrimitives.ReadInt32BigEndian(elements);
            elements = elements[4..];
            if (length < 0)
            {
                writer.Null();
                continue;
            }

            element(writer, elements[..length]);
            elements = elements[length..];
        }

        writer.End();
    }

    private static void Numeric(BsonRowWriter writer, ReadOnlySpan<byte> text)
    {
        if (TryParseNumeric(text, out var value)) writer.Decimal128(value);
        else writer.String(text);
    }

    /// <summary>
    /// numeric's text (UTF-8) as Decimal128, as <see cref="Decimal128.TryParse(string, out Decimal128)"/> gives it, without its
    /// regular expression for the form PostgreSQL writes (an optional minus, digits, an optional point and digits):
    /// the digits are the coefficient and the digits after the point the exponent, when the significant digits fit (34).
    /// </summary>
    public static bool TryParseNumeric(ReadOnlySpan<byte> text, out Decimal128 value)
    {
        const int MaxDigits = 34, ExponentBias = 6176;
        var negative = text.StartsWith("-"u8);
        var digits = text[(negative ? 1 : 0)..];
        UInt128 coefficient = 0;
        int significant = 0, exponent = 0, point = digits.IndexOf((byte)'.');
        for (var i = 0; i < digits.Length; i++)
        {
            var c = digits[i];
            if (i == point && i > 0 && i < digits.Length - 1) continue;
            if (!char.IsAsciiDigit((char)c) || (significant += coefficient == 0 && c == '0' ? 0 : 1) > MaxDigits) return Decimal128.TryParse(Encoding.UTF8.GetString(text), out value);
            coefficient = coefficient * 10 + (uint)(c - '0');
            if (point >= 0 && i > point) exponent--;
        }

        if (digits.IsEmpty || exponent < -ExponentBias) return Decimal128.TryParse(Encoding.UTF8.GetString(text), out value);
        var high = (negative ? 1UL << 63 : 0) | (ulong)(exponent + ExponentBias) << 49 | (ulong)(coefficient >> 64);
        value = Decimal128.FromIEEEBits(high, (ulong)coefficient);
        return true;
    }

    /// <summary>json: its text may repeat a key, so it is read whole first and the last value of a key kept, where the key first stood.</summary>
    private static void Json(BsonRowWriter writer, ReadOnlySpan<byte> text)
    {
        using var json = JsonDocument.Parse(text.ToArray());
        Json(writer, json.RootElement);
    }

    private static void Json(BsonRowWriter writer, JsonElement json)
    {
        switch (json.ValueKind)
        {
            case JsonValueKind.Object:
                var properties = new List<(string Name, JsonElement Value)>();
                var at = new Dictionary<string, int>();
                foreach (var property in json.EnumerateObject())
                {
                    if (at.TryGetValue(property.Name, out var first)) properties[first] = (property.Name, property.Value);
                    else properties.Add((property.Name, property.Value));
                    at.TryAdd(property.Name, properties.Count - 1);
                }

                writer.StartDocument();
                foreach (var (name, value) in properties)
                {
                    writer.Name(name);
                    Json(writer, value);
                }

                writer.End();
                break;
            case JsonValueKind.Array:
                writer.StartArray();
                foreach (var item in json.EnumerateArray()) Json(writer, item);
                writer.End();
                break;
            case JsonValueKind.String: writer.String(json.GetString()!); break;
            case JsonValueKind.Number when json.TryGetInt32(out var i): writer.Int32(i); break;
            case JsonValueKind.Number when json.TryGetInt64(out var l): writer.Int64(l); break;
            case JsonValueKind.Number: JsonNumber(writer, json.GetRawText()); break;
            case JsonValueKind.True: writer.Boolean(true); break;
            case JsonValueKind.False: writer.Boolean(false); break;
            default: writer.Null(); break;
        }
    }

    /// <summary>jsonb: PostgreSQL has already kept one value per key, so its text is written as it is read, token by token.</summary>
    private static void Jsonb(BsonRowWriter writer, ReadOnlySpan<byte> text)
    {
        var json = new Utf8JsonReader(text);
        while (json.Read())
        {
            switch (json.TokenType)
            {
                case JsonTokenType.StartObject: writer.StartDocument(); break;
                case JsonTokenType.StartArray: writer.StartArray(); break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray: writer.End(); break;
                case JsonTokenType.PropertyName when json.ValueIsEscaped: writer.Name(json.GetString()!); break;
                case JsonTokenType.PropertyName: writer.Name(json.ValueSpan); break;
                case JsonTokenType.String when json.ValueIsEscaped: writer.String(json.GetString()!); break;
                case JsonTokenType.String: writer.String(json.ValueSpan); break;
                case JsonTokenType.Number when json.TryGetInt32(out var i): writer.Int32(i); break;
                case JsonTokenType.Number when json.TryGetInt64(out var l): writer.Int64(l); break;
                case JsonTokenType.Number: JsonNumber(writer, Encoding.UTF8.GetString(json.ValueSpan)); break;
                case JsonTokenType.True: writer.Boolean(true); break;
                case JsonTokenType.False: writer.Boolean(false); break;
                default: writer.Null(); break;
            }
        }
    }

    /// <summary>A JSON number beyond Int64 or with a fraction or exponent: Double, or Decimal128 beyond Double's range or for a large integer.</summary>
    private static void JsonNumber(BsonRowWriter writer, string raw)
    {
        var integral = !raw.AsSpan().ContainsAny('.', 'e', 'E');
        if (!integral && double.TryParse(raw, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)) writer.Double(d);
        else if (Decimal128.TryParse(raw, out var exact)) writer.Decimal128(exact);
        else throw new FormatException($"The JSON number {raw} fits neither Double nor Decimal128.");
    }
}
