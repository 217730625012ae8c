using System.Buffers.Binary;
using System.Security.Cryptography;

namespace SyncTools.Mongo.Bson;

/// <summary>A 12-byte MongoDB ObjectId: 4-byte big-endian seconds, 5 random bytes per process, 3-byte counter.</summary>
public readonly struct ObjectId : IEquatable<ObjectId>, IComparable<ObjectId>
{
    private static readonly byte[] ProcessRandom = RandomNumberGenerator.GetBytes(5);
    private static int _counter = RandomNumberGenerator.GetInt32(0, 0xFFFFFF);

    // Big-endian halves, so that comparing them orders ObjectIds as their bytes (and so by time).
    private readonly ulong _high;
    private readonly uint _low;

    public ObjectId(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 12) throw new ArgumentException($"An ObjectId is 12 bytes, not {bytes.Length}.", nameof(bytes));
        _high = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _low = BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]);
    }

    public static ObjectId Empty => default;

    public int Timestamp => (int)(_high >> 32);

    public DateTimeOffset CreationTime => DateTimeOffset.FromUnixTimeSeconds((uint)Timestamp);

    public static ObjectId GenerateNewId() => GenerateNewId(DateTimeOffset.UtcNow);

    public static ObjectId GenerateNewId(DateTimeOffset time)
    {
        Span<byte> bytes = stackalloc byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)time.ToUnixTimeSeconds());
        ProcessRandom.CopyTo(bytes[4..]);
        var counter = Interlocked.Increment(ref _counter) & 0xFFFFFF;
        bytes[9] = (byte)(counter >> 16);
        bytes[10] = (byte)(counter >> 8);
        bytes[11] = (byte)counter;
        return new ObjectId(bytes);
    }

    /// <exception cref="FormatException">Not 24 hexadecimal digits.</exception>
    public static ObjectId Parse(string hex) =>
        TryParse(hex, out var id) ? id : throw new FormatException($"'{hex}' is not an ObjectId: 24 hexadecimal digits expected.");

    public static bool TryParse(string? hex, out ObjectId id)
    {
        id = default;
        if (hex is null || hex.Length != 24) return false;
        foreach (var c in hex)
        {
            if (!char.IsAsciiHexDigit(c)) return false;
        }

        id = new ObjectId(Convert.FromHexString(hex));
        return true;
    }

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], _low);
    }

    public byte[] ToByteArray()
    {
        var bytes = new byte[12];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>24 lowercase hexadecimal digits.</summary>
    public override string ToString() => Convert.ToHexString(ToByteArray()).ToLowerInvariant();

    public bool Equals(ObjectId other) => _high == other._high && _low == other._low;

    public override bool Equals(object? obj) => obj is ObjectId other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_high, _low);

    public int CompareTo(ObjectId other) => _high != other._high ? _high.CompareTo(other._high) : _low.CompareTo(other._low);

    public static bool operator ==(ObjectId left, ObjectId right) => left.Equals(right);

    public static bool operator !=(ObjectId left, ObjectId right) => !left.Equals(right);
}
