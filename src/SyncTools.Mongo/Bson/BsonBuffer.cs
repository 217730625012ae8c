using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace SyncTools.Mongo.Bson;

/// <summary>A growable little-endian byte buffer rented from the shared pool. Dispose returns it.</summary>
public sealed class BsonBuffer(int initialCapacity = 4096) : IDisposable
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private byte[] _bytes = ArrayPool<byte>.Shared.Rent(initialCapacity);

    public int Length { get; private set; }

    public ReadOnlySpan<byte> WrittenSpan => _bytes.AsSpan(0, Length);

    public ReadOnlyMemory<byte> WrittenMemory => _bytes.AsMemory(0, Length);

    public void Clear() => Length = 0;

    /// <summary>Drops what was written after <paramref name="length"/> bytes, e.g. a document that did not fit.</summary>
    public void Truncate(int length) => Length = length <= Length ? length : throw new ArgumentOutOfRangeException(nameof(length));

    public byte[] ToArray() => WrittenSpan.ToArray();

    public void WriteByte(byte value)
    {
        Ensure(1);
        _bytes[Length++] = value;
    }

    public void WriteInt32(int value)
    {
        Ensure(4);
        BinaryPrimitives.WriteInt32LittleEndian(_bytes.AsSpan(Length), value);
        Length += 4;
    }

    public void WriteInt64(long value)
    {
        Ensure(8);
        BinaryPrimitives.WriteInt64LittleEndian(_bytes.AsSpan(Length), value);
        Length += 8;
    }

    public void WriteDouble(double value) => WriteInt64(BitConverter.DoubleToInt64Bits(value));

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_bytes.AsSpan(Length));
        Length += bytes.Length;
    }

    /// <summary>Reserves room for an int32 to be patched later; returns its position.</summary>
    public int ReserveInt32()
    {
        Ensure(4);
        Length += 4;
        return Length - 4;
    }

    public void PatchInt32(int position, int value) => BinaryPrimitives.WriteInt32LittleEndian(_bytes.AsSpan(position), value);

    /// <summary>A NUL-terminated UTF-8 string (an element name, a regex); a NUL inside cannot be stored.</summary>
    public void WriteCString(string value, string what)
    {
        if (value.Contains('\0'))
        {
            throw new BsonSerializationException($"The {what} '{value.Replace("\0", "\\0")}' contains a NUL character, which BSON cannot store in a {what}.");
        }

        WriteUtf8(value);
        WriteByte(0);
    }

    /// <summary>A BSON string: int32 byte length including the NUL, UTF-8, NUL.</summary>
    public void WriteString(string value)
    {
        var lengthAt = ReserveInt32();
        var written = WriteUtf8(value);
        WriteByte(0);
        PatchInt32(lengthAt, written + 1);
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_bytes);
        _bytes = [];
    }

    private int WriteUtf8(string value)
    {
        Ensure(Utf8.GetMaxByteCount(value.Length));
        try
        {
            var written = Utf8.GetBytes(value, _bytes.AsSpan(Length));
            Length += written;
            return written;
        }
        catch (EncoderFallbackException e)
        {
            throw new BsonSerializationException($"A string holds an unpaired UTF-16 surrogate at index {e.Index} and cannot be encoded as UTF-8.", e);
        }
    }

    private void Ensure(int count)
    {
        if (Length + count <= _bytes.Length) return;
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_bytes.Length * 2, Length + count));
        _bytes.AsSpan(0, Length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_bytes);
        _bytes = larger;
    }
}
