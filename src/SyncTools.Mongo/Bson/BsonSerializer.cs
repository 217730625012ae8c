using System.Buffers.Binary;
using System.Text;

namespace SyncTools.Mongo.Bson;

/// <summary>Encodes and decodes BSON documents (bsonspec.org 1.1).</summary>
public static class BsonSerializer
{
    /// <summary>Nesting deeper than this is refused, which also catches a document that contains itself.</summary>
    public const int MaxDepth = 100;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static byte[] Serialize(BsonDocument document)
    {
        using var buffer = new BsonBuffer();
        Serialize(document, buffer);
        return buffer.ToArray();
    }

    /// <summary>Appends <paramref name="document"/> to <paramref name="buffer"/>.</summary>
    /// <param name="maxSize">The largest document allowed, e.g. the server's maxBsonObjectSize.</param>
    /// <returns>The document's size in bytes.</returns>
    /// <exception cref="BsonSerializationException">A key with NUL, an unpaired surrogate, nesting past <see cref="MaxDepth"/>, or over <paramref name="maxSize"/>.</exception>
    public static int Serialize(BsonDocument document, BsonBuffer buffer, int maxSize = int.MaxValue)
    {
        var start = buffer.Length;
        WriteDocument(buffer, document, 0);
        var size = buffer.Length - start;
        if (size > maxSize)
        {
            throw new BsonSerializationException($"The document is {size:N0} bytes, over the maximum of {maxSize:N0} bytes.");
        }

        return size;
    }

    /// <exception cref="BsonSerializationException">The bytes are not one well-formed BSON document.</exception>
    public static BsonDocument Deserialize(ReadOnlySpan<byte> bytes)
    {
        var position = 0;
        var document = ReadDocument(bytes, ref position, 0);
        if (position != bytes.Length)
        {
            throw Malformed($"{bytes.Length - position} bytes follow the document", position);
        }

        return document;
    }

    /// <summary>Reads one document at <paramref name="position"/> and moves past it.</summary>
    internal static BsonDocument ReadDocument(ReadOnlySpan<byte> bytes, ref int position, int depth)
    {
        var (end, _) = ReadLength(bytes, ref position, 5, "document");
        var document = new BsonDocument();
        ReadElements(bytes, ref position, end, depth, document.AddUnchecked);
        return document;
    }

    private static void WriteDocument(BsonBuffer buffer, BsonDocument document, int depth)
    {
        CheckDepth(depth);
        var lengthAt = buffer.ReserveInt32();
        var elements = document.Elements;
        for (var i = 0; i < elements.Count; i++) // indexed: an interface enumerator would allocate
        {
            var (name, value) = elements[i];
            buffer.WriteByte((byte)value.BsonType);
            buffer.WriteCString(name, "element name");
            WriteValue(buffer, value, depth);
        }

        buffer.WriteByte(0);
        buffer.PatchInt32(lengthAt, buffer.Length - lengthAt);
    }

    private static void WriteArray(BsonBuffer buffer, BsonArray array, int depth)
    {
        CheckDepth(depth);
        var lengthAt = buffer.ReserveInt32();
        Span<char> digits = stackalloc char[11];
        for (var i = 0; i < array.Count; i++)
        {
            var value = array[i];
            buffer.WriteByte((byte)value.BsonType);
            i.TryFormat(digits, out var length, default, System.Globalization.CultureInfo.InvariantCulture);
            for (var d = 0; d < length; d++) buffer.WriteByte((byte)digits[d]);
            buffer.WriteByte(0);
            WriteValue(buffer, value, depth);
        }

        buffer.WriteByte(0);
        buffer.PatchInt32(lengthAt, buffer.Length - lengthAt);
    }

    private static void WriteValue(BsonBuffer buffer, BsonValue value, int depth)
    {
        switch (value)
        {
            case BsonDouble d: buffer.WriteDouble(d.Value); break;
            case BsonString s: buffer.WriteString(s.Value); break;
            case BsonDocument doc: WriteDocument(buffer, doc, depth + 1); break;
            case BsonArray array: WriteArray(buffer, array, depth + 1); break;
            case BsonBinaryData binary:
                if (binary.SubType == BsonBinaryData.OldBinary)
                {
                    // The deprecated subtype 2 repeats the length inside the payload.
                    buffer.WriteInt32(binary.Bytes.Length + 4);
                    buffer.WriteByte(binary.SubType);
                    buffer.WriteInt32(binary.Bytes.Length);
                }
                else
                {
                    buffer.WriteInt32(binary.Bytes.Length);
                    buffer.WriteByte(binary.SubType);
                }

                buffer.WriteBytes(binary.Bytes);
                break;
            case BsonObjectId id:
                Span<byte> oid = stackalloc byte[12];
                id.Value.WriteTo(oid);
                buffer.WriteBytes(oid);
                break;
            case BsonBoolean b: buffer.WriteByte(b.Value ? (byte)1 : (byte)0); break;
            case BsonDateTime dt: buffer.WriteInt64(dt.MillisecondsSinceEpoch); break;
            case BsonRegularExpression regex:
                buffer.WriteCString(regex.Pattern, "regular expression");
                buffer.WriteCString(regex.Options, "regular expression option");
                break;
            case BsonInt32 i: buffer.WriteInt32(i.Value); break;
            case BsonTimestamp ts: buffer.WriteInt64((long)ts.Value); break;
            case BsonInt64 l: buffer.WriteInt64(l.Value); break;
            case BsonDecimal128 m:
                buffer.WriteInt64((long)m.Value.Low);
                buffer.WriteInt64((long)m.Value.High);
                break;
            case BsonNull or BsonMinKey or BsonMaxKey: break;
            default: throw new BsonSerializationException($"BSON type {value.BsonType} cannot be written.");
        }
    }

    private static void ReadElements(ReadOnlySpan<byte> bytes, ref int position, int end, int depth, Action<string, BsonValue> add)
    {
        CheckDepth(depth);
        while (true)
        {
            if (position >= end) throw Malformed("the document ends without its terminating 0", position);
            var type = (BsonType)bytes[position++];
            if (type == 0)
            {
                if (position != end) throw Malformed("the document's length does not match its terminating 0", position);
                return;
            }

            var name = ReadCString(bytes, ref position, end);
            add(name, ReadValue(bytes, ref position, end, type, depth));
        }
    }

    private static BsonValue ReadValue(ReadOnlySpan<byte> bytes, ref int position, int end, BsonType type, int depth)
    {
        switch (type)
        {
            case BsonType.Double: return new BsonDouble(BitConverter.Int64BitsToDouble(ReadInt64(bytes, ref position, end)));
            case BsonType.String: return new BsonString(ReadString(bytes, ref position, end));
            case BsonType.Document: return ReadDocument(bytes[..end], ref position, depth + 1);
            case BsonType.Array:
                var (arrayEnd, _) = ReadLength(bytes[..end], ref position, 5, "array");
                var array = new BsonArray();
                ReadElements(bytes, ref position, arrayEnd, depth + 1, (_, value) => array.Add(value));
                return array;
            case BsonType.Binary:
                var length = ReadInt32(bytes, ref position, end);
                if (length < 0 || position + 1 + length > end) throw Malformed($"a binary length of {length} runs past the document", position);
                var subType = bytes[position++];
                if (subType == BsonBinaryData.OldBinary)
                {
                    var inner = ReadInt32(bytes, ref position, end);
                    if (inner != length - 4) throw Malformed("an old-style binary's inner length does not match", position);
                    length = inner;
                }

                var data = bytes.Slice(position, length).ToArray();
                position += length;
                return new BsonBinaryData(data, subType);
            case BsonType.ObjectId:
                Need(bytes, position, 12, end);
                var id = new ObjectId(bytes.Slice(position, 12));
                position += 12;
                return new BsonObjectId(id);
            case BsonType.Boolean:
                Need(bytes, position, 1, end);
                return bytes[position++] switch
                {
                    0 => BsonBoolean.False,
                    1 => BsonBoolean.True,
                    var b => throw Malformed($"a boolean byte is {b}, not 0 or 1", position - 1),
                };
            case BsonType.DateTime: return new BsonDateTime(ReadInt64(bytes, ref position, end));
            case BsonType.Null: return BsonNull.Value;
            case BsonType.RegularExpression: return new BsonRegularExpression(ReadCString(bytes, ref position, end), ReadCString(bytes, ref position, end));
            case BsonType.Int32: return new BsonInt32(ReadInt32(bytes, ref position, end));
            case BsonType.Timestamp: return new BsonTimestamp((ulong)ReadInt64(bytes, ref position, end));
            case BsonType.Int64: return new BsonInt64(ReadInt64(bytes, ref position, end));
            case BsonType.Decimal128:
                var low = (ulong)ReadInt64(bytes, ref position, end);
                return new BsonDecimal128(new Decimal128((ulong)ReadInt64(bytes, ref position, end), low));
            case BsonType.MinKey: return BsonMinKey.Value;
            case BsonType.MaxKey: return BsonMaxKey.Value;
            case BsonType.Undefined or BsonType.DBPointer or BsonType.JavaScript or BsonType.Symbol or BsonType.JavaScriptWithScope:
                throw Malformed($"the deprecated BSON type {type} (0x{(byte)type:X2}) is not supported", position);
            default:
                throw Malformed($"0x{(byte)type:X2} is not a BSON type", position);
        }
    }

    private static (int End, int Length) ReadLength(ReadOnlySpan<byte> bytes, ref int position, int minimum, string what)
    {
        var start = position;
        var length = ReadInt32(bytes, ref position, bytes.Length);
        if (length < minimum || start + length > bytes.Length)
        {
            throw Malformed($"a {what} length of {length} does not fit the {bytes.Length - start} bytes available", start);
        }

        return (start + length, length);
    }

    private static int ReadInt32(ReadOnlySpan<byte> bytes, ref int position, int end)
    {
        Need(bytes, position, 4, end);
        var value = BinaryPrimitives.ReadInt32LittleEndian(bytes[position..]);
        position += 4;
        return value;
    }

    private static long ReadInt64(ReadOnlySpan<byte> bytes, ref int position, int end)
    {
        Need(bytes, position, 8, end);
        var value = BinaryPrimitives.ReadInt64LittleEndian(bytes[position..]);
        position += 8;
        return value;
    }

    private static string ReadCString(ReadOnlySpan<byte> bytes, ref int position, int end)
    {
        var length = bytes[position..end].IndexOf((byte)0);
        if (length < 0) throw Malformed("a name runs past the document without its terminating 0", position);
        var value = Decode(bytes.Slice(position, length), position);
        position += length + 1;
        return value;
    }

    private static string ReadString(ReadOnlySpan<byte> bytes, ref int position, int end)
    {
        var length = ReadInt32(bytes, ref position, end);
        if (length < 1 || position + length > end) throw Malformed($"a string length of {length} does not fit the document", position - 4);
        if (bytes[position + length - 1] != 0) throw Malformed("a string does not end with 0", position + length - 1);
        var value = Decode(bytes.Slice(position, length - 1), position);
        position += length;
        return value;
    }

    private static string Decode(ReadOnlySpan<byte> utf8, int position)
    {
        try
        {
            return StrictUtf8.GetString(utf8);
        }
        catch (DecoderFallbackException e)
        {
            throw Malformed("a string is not valid UTF-8", position, e);
        }
    }

    private static void Need(ReadOnlySpan<byte> bytes, int position, int count, int end)
    {
        if (position + count > end) throw Malformed($"{count} bytes are needed but the document ends", position);
    }

    private static void CheckDepth(int depth)
    {
        if (depth > MaxDepth) throw new BsonSerializationException($"Documents nest deeper than {MaxDepth} levels (or contain themselves).");
    }

    private static BsonSerializationException Malformed(string problem, int position, Exception? inner = null) =>
        new($"Malformed BSON at byte {position}: {problem}.", inner);
}
