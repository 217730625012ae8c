using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace SyncTools.Mongo.Bson;

/// <summary>
/// Writes MongoDB Extended JSON v2: canonical (every type explicit, for comparing with other implementations)
/// or relaxed (plain numbers and ISO dates, for people).
/// </summary>
public static class ExtendedJson
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Write(BsonValue value, bool canonical)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, Options))
        {
            WriteValue(writer, value, canonical);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteValue(Utf8JsonWriter w, BsonValue value, bool canonical)
    {
        switch (value)
        {
            case BsonDocument document:
                w.WriteStartObject();
                foreach (var (name, item) in document.Elements)
                {
                    w.WritePropertyName(name);
                    WriteValue(w, item, canonical);
                }

                w.WriteEndObject();
                break;
            case BsonArray array:
                w.WriteStartArray();
                foreach (var item in array) WriteValue(w, item, canonical);
                w.WriteEndArray();
                break;
            case BsonString s: w.WriteStringValue(s.Value); break;
            case BsonBoolean b: w.WriteBooleanValue(b.Value); break;
            case BsonNull: w.WriteNullValue(); break;
            case BsonInt32 i when !canonical: w.WriteNumberValue(i.Value); break;
            case BsonInt32 i: Wrapped(w, "$numberInt", i.Value.ToString(CultureInfo.InvariantCulture)); break;
            case BsonInt64 l when !canonical: w.WriteNumberValue(l.Value); break;
            case BsonInt64 l: Wrapped(w, "$numberLong", l.Value.ToString(CultureInfo.InvariantCulture)); break;
            case BsonDouble d when !canonical && double.IsFinite(d.Value): w.WriteNumberValue(d.Value); break;
            case BsonDouble d: Wrapped(w, "$numberDouble", FormatDouble(d.Value)); break;
            case BsonDecimal128 m: Wrapped(w, "$numberDecimal", m.Value.ToString()); break;
            case BsonObjectId oid: Wrapped(w, "$oid", oid.Value.ToString()); break;
            case BsonDateTime dt:
                w.WriteStartObject();
                if (!canonical && dt.MillisecondsSinceEpoch >= 0 && dt.IsValidDateTime)
                {
                    w.WriteString("$date", dt.ToDateTimeOffset().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                }
                else
                {
                    w.WritePropertyName("$date");
                    Wrapped(w, "$numberLong", dt.MillisecondsSinceEpoch.ToString(CultureInfo.InvariantCulture));
                }

                w.WriteEndObject();
                break;
            case BsonBinaryData binary:
                Nested(w, "$binary", () =>
                {
                    w.WriteString("base64", Convert.ToBase64String(binary.Bytes));
                    w.WriteString("subType", binary.SubType.ToString("x2", CultureInfo.InvariantCulture));
                });
                break;
            case BsonRegularExpression regex:
                Nested(w, "$regularExpression", () =>
                {
                    w.WriteString("pattern", regex.Pattern);
                    w.WriteString("options", regex.Options);
                });
                break;
            case BsonTimestamp ts:
                Nested(w, "$timestamp", () =>
                {
                    w.WriteNumber("t", ts.Timestamp);
                    w.WriteNumber("i", ts.Increment);
                });
                break;
            case BsonMinKey:
                w.WriteStartObject();
                w.WriteNumber("$minKey", 1);
                w.WriteEndObject();
                break;
            case BsonMaxKey:
                w.WriteStartObject();
                w.WriteNumber("$maxKey", 1);
                w.WriteEndObject();
                break;
            default: throw new BsonSerializationException($"BSON type {value.BsonType} has no Extended JSON form here.");
        }
    }

    /// <summary>{"name": {...}}, the inner object's members written by <paramref name="members"/>.</summary>
    private static void Nested(Utf8JsonWriter w, string name, Action members)
    {
        w.WriteStartObject();
        w.WriteStartObject(name);
        members();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Wrapped(Utf8JsonWriter w, string name, string text)
    {
        w.WriteStartObject();
        w.WriteString(name, text);
        w.WriteEndObject();
    }

    private static string FormatDouble(double value)
    {
        if (double.IsNaN(value)) return "NaN";
        if (double.IsPositiveInfinity(value)) return "Infinity";
        if (double.IsNegativeInfinity(value)) return "-Infinity";
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        if (value == 0 && double.IsNegative(value)) return "-0.0";
        return text.Contains('.') || text.Contains('E') ? text : text + ".0";
    }
}
