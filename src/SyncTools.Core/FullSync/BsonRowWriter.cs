using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;
using MongoDB.Bson;
using Npgsql;

namespace SyncTools.Core.FullSync;

/// <summary>
/// One BSON document at a time, written straight into one reused byte array: the copy's rows without a string, a
/// boxed value or a writer's state machine per value. Field names come as UTF-8 (a table's column names encoded once);
/// an element's type byte is set when its value is written, so a name can precede a value whose type is known only
/// then (numeric: Decimal128 or String). Strings are checked as UTF-8, as MongoDB requires. Values in an array are
/// named by their index. A column's value is taken as the bytes the server sent (<see cref="ColumnBytes"/>).
/// </summary>
public sealed class BsonRowWriter
{
    /// <summary>MongoDB's largest document (maxBsonObjectSize).</summary>
    public const int MaxDocumentBytes = 16 * 1024 * 1024;

    /// <summary>The document would be larger than MongoDB takes; thrown before it grows past the limit.</summary>
    public sealed class DocumentTooLargeException() : Exception($"A BSON document may be at most {MaxDocumentBytes:N0} bytes.");

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private byte[] _bytes = new byte[1024];
    private byte[] _column = new byte[256];
    private int _length;
    private int _typeAt = -1;
    private int[] _starts = new int[8];
    private int[] _indexes = new int[8];
    private int _depth;

    /// <summary>The bytes written since the last <see cref="Clear"/>: the document once it is ended.</summary>
    public ReadOnlySpan<byte> Written => _bytes.AsSpan(0, _length);

    public void Clear() => (_length, _depth, _typeAt) = (0, 0, -1);

    /// <summary>A document: the row itself at the top, else the value of the element named (or the next in an array).</summary>
    public void StartDocument() => Start(BsonType.Document, -1);

    public void StartArray() => Start(BsonType.Array, 0);

    /// <summary>Ends the innermost document or array.</summary>
    public void End()
    {
        Grow(1)[0] = 0;
        var start = _starts[--_depth];
        BinaryPrimitives.WriteInt32LittleEndian(_bytes.AsSpan(start), _length - start);
    }

    /// <summary>The next field's name, in UTF-8; its value follows.</summary>
    /// <exception cref="ArgumentException">The name holds a NUL character, which BSON's names cannot, or is not UTF-8.</exception>
    public void Name(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Contains((byte)0)) throw new ArgumentException("A field name holds a NUL character, which a BSON field name cannot.");
        if (!Utf8.IsValid(utf8)) throw NotUtf8();
        _typeAt = _length;
        var into = Grow(utf8.Length + 2);
        utf8.CopyTo(into[1..]);
        into[^1] = 0;
    }

    /// <exception cref="ArgumentException">The name holds a NUL character or a lone surrogate.</exception>
    public void Name(string name) => Name(Strict.GetBytes(name));

    public void Null() => Value(BsonType.Null, 0);

    public void Boolean(bool value) => Value(BsonType.Boolean, 1)[0] = value ? (byte)1 : (byte)0;

    public void Int32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Value(BsonType.Int32, 4), value);

    public void Int64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Value(BsonType.Int64, 8), value);

    public void Double(double value) => BinaryPrimitives.WriteDoubleLittleEndian(Value(BsonType.Double, 8), value);

    /// <summary>A date: milliseconds since 1970-01-01 UTC.</summary>
    public void DateTime(long millisecondsSinceEpoch) => BinaryPrimitives.WriteInt64LittleEndian(Value(BsonType.DateTime, 8), millisecondsSinceEpoch);

    public void Decimal128(Decimal128 value)
    {
        var into = Value(BsonType.Decimal128, 16);
        BinaryPrimitives.WriteUInt64LittleEndian(into, value.GetIEEELowBits());
        BinaryPrimitives.WriteUInt64LittleEndian(into[8..], value.GetIEEEHighBits());
    }

    /// <exception cref="ArgumentException">The string holds a lone surrogate, which has no UTF-8 form.</exception>
    public void String(string value)
    {
        var bytes = StartString(Strict.GetByteCount(value));
        Strict.GetBytes(value, bytes);
    }

    /// <exception cref="ArgumentException">The bytes are not UTF-8.</exception>
    public void String(ReadOnlySpan<byte> utf8)
    {
        if (!Utf8.IsValid(utf8)) throw NotUtf8();
        utf8.CopyTo(StartString(utf8.Length));
    }

    public void Binary(ReadOnlySpan<byte> bytes, BsonBinarySubType subtype)
    {
        var into = Value(BsonType.Binary, 5 + bytes.Length);
        BinaryPrimitives.WriteInt32LittleEndian(into, bytes.Length);
        into[4] = (byte)subtype;
        bytes.CopyTo(into[5..]);
    }

    /// <summary>The value at <paramref name="ordinal"/> as the server sent it, in a buffer the next call reuses.</summary>
    public ReadOnlySpan<byte> ColumnBytes(NpgsqlDataReader reader, int ordinal)
    {
        var length = CopyColumn(reader, ordinal, ref _column); // first: it may replace the buffer
        return _column.AsSpan(0, length);
    }

    /// <summary>Copies the value at <paramref name="ordinal"/>, as the server sent it, to the start of <paramref name="buffer"/> (grown to fit).</summary>
    /// <returns>Its length in bytes.</returns>
    public static int CopyColumn(NpgsqlDataReader reader, int ordinal, ref byte[] buffer)
    {
        var length = (int)reader.GetBytes(ordinal, 0, null, 0, 0);
        if (length > buffer.Length) buffer = new byte[Math.Max(length, buffer.Length * 2)];
        return (int)reader.GetBytes(ordinal, 0, buffer, 0, length);
    }

    private static ArgumentException NotUtf8() => new("The text is not valid UTF-8, which a BSON string must be.");

    /// <summary>Writes the element and its length, and gives the bytes to fill (the terminating NUL is already placed).</summary>
    private Span<byte> StartString(int byteCount)
    {
        var into = Value(BsonType.String, 4 + byteCount + 1);
        BinaryPrimitives.WriteInt32LittleEndian(into, byteCount + 1);
        into[^1] = 0;
        return into.Slice(4, byteCount);
    }

    private void Start(BsonType type, int index)
    {
        if (_depth > 0) Element(type);
        if (_depth == _starts.Length)
        {
            System.Array.Resize(ref _starts, _depth * 2);
            System.Array.Resize(ref _indexes, _depth * 2);
        }

        _starts[_depth] = _length;
        _indexes[_depth++] = index;
        Grow(4);
    }

    /// <summary>The element's type, under the name given before it, or in an array under its index.</summary>
    private void Element(BsonType type)
    {
        var index = _depth > 0 ? _indexes[_depth - 1] : -1;
        if (index >= 0)
        {
            _indexes[_depth - 1]++;
            Span<byte> digits = stackalloc byte[11];
            index.TryFormat(digits, out var count, default, System.Globalization.CultureInfo.InvariantCulture);
            var into = Grow(count + 2);
            into[0] = (byte)type;
            digits[..count].CopyTo(into[1..]);
            into[^1] = 0;
            return;
        }

        if (_typeAt < 0) throw new InvalidOperationException("A value needs a name before it in a document.");
        _bytes[_typeAt] = (byte)type;
        _typeAt = -1;
    }

    /// <summary>The element's type and name, then the <paramref name="size"/> bytes of its value to fill.</summary>
    private Span<byte> Value(BsonType type, int size)
    {
        Element(type);
        return Grow(size);
    }

    /// <exception cref="DocumentTooLargeException">The document would pass <see cref="MaxDocumentBytes"/>.</exception>
    private Span<byte> Grow(int count)
    {
        if (count > MaxDocumentBytes - _length) throw new DocumentTooLargeException();
        if (_length + count > _bytes.Length) System.Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _length + count));
        var into = _bytes.AsSpan(_length, count);
        _length += count;
        return into;
    }
}
